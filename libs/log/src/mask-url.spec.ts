import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrl, maskUrlsInText, urlOrigin } from './mask-url.js';

test('masks the password of a postgres URL', () => {
  assert.equal(maskUrl('postgres://pm:s3cret@db.local:5432/premonitor'), 'postgres://pm:***@db.local:5432/premonitor');
});

test('leaves a URL without password unchanged', () => {
  assert.equal(maskUrl('postgres://postgres@127.0.0.1:5432/test'), 'postgres://postgres@127.0.0.1:5432/test');
});

test('masks a password given as a query parameter', () => {
  assert.equal(maskUrl('postgres://db/x?password=hunter2&sslmode=require'), 'postgres://db/x?password=***&sslmode=require');
  assert.equal(maskUrl('https://h.example/x?token=abc&n=1'), 'https://h.example/x?token=***&n=1');
});

test('masks a malformed URL between colon and at-sign', () => {
  const masked = maskUrl('pm:s3cret@db:5432 nonsense');
  assert.ok(!masked.includes('s3cret'), masked);
});

test('masks a URL that does not parse (bad port, slash or at-sign in the password)', () => {
  for (const url of ['postgres://pm:s3cret@db:99999/x', 'postgres://pm:s3/cret@db/x', 'nats://u:s3@cret@host:4222']) {
    const masked = maskUrl(url);
    assert.ok(!/s3\/?@?cret/.test(masked) && !masked.includes('cret@'), `${url} → ${masked}`);
  }
});

test('masks every credentialed URL inside free text and leaves other text alone', () => {
  const text = "cannot connect to postgres://pm:s3cret@db:5432/x, then nats://u:t0ken@n:4222 'mqtt://dev:pw1@b:1883'";
  const masked = maskUrlsInText(text);
  for (const secret of ['s3cret', 't0ken', 'pw1']) assert.ok(!masked.includes(secret), masked);
  assert.match(masked, /postgres:\/\/pm:\*\*\*@db:5432\/x, then nats:\/\/u:\*\*\*@n:4222 /);
  assert.equal(maskUrlsInText('cannot connect to NATS at nats://pm:pw@127.0.0.1:4222: refused'), 'cannot connect to NATS at nats://pm:***@127.0.0.1:4222: refused');
  assert.equal(maskUrlsInText('port 1883 is in use; see http://127.0.0.1:8787/healthz'), 'port 1883 is in use; see http://127.0.0.1:8787/healthz');
});

test('reduces a webhook URL to scheme and host', () => {
  assert.equal(urlOrigin('https://hooks.slack.com/services/T000/B000/XXXXSECRET'), 'https://hooks.slack.com');
  assert.equal(urlOrigin('https://u:p@discord.com:8443/api/webhooks/1/tok'), 'https://discord.com:8443');
  assert.equal(urlOrigin('not a url /secret'), '(not a URL)');
});
