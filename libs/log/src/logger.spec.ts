import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ service: 'spec', destination }), text: () => lines.join('') };
}

test('never writes a URL password, from messages, fields, errors or their causes', () => {
  const { logger, text } = capture();
  logger.info({ url: 'postgres://pm:s3cret-a@db:5432/x' }, 'connecting');
  logger.warn('retrying mqtt://dev:s3cret-b@broker:1883 soon');
  const cause = new Error('connect ECONNREFUSED at nats://u:s3cret-c@127.0.0.1:4222');
  const err = Object.assign(new Error('cannot connect to postgres://pm:s3cret-d@db/x', { cause }), { target: 'postgres://pm:s3cret-e@db/x' });
  logger.error({ err }, 'start failed');
  logger.error(err, 'start failed again');
  const out = text();
  for (const secret of ['s3cret-a', 's3cret-b', 's3cret-c', 's3cret-d', 's3cret-e']) assert.ok(!out.includes(secret), `${secret} leaked:\n${out}`);
  assert.match(out, /postgres:\/\/pm:\*\*\*@db:5432\/x/);
  assert.match(out, /start failed again/);
});

test('redacts credential fields whatever their value looks like', () => {
  const { logger, text } = capture();
  logger.info({ password: 'hunter2', mqtt: { password: 'hunter3' }, token: 'tok-1', headers: { authorization: 'Bearer tok-2' } }, 'x');
  const out = text();
  for (const secret of ['hunter2', 'hunter3', 'tok-1', 'tok-2']) assert.ok(!out.includes(secret), `${secret} leaked:\n${out}`);
});

test('leaves the caller\'s objects untouched', () => {
  const { logger } = capture();
  const fields = { url: 'postgres://pm:s3cret@db/x' };
  logger.info(fields, 'x');
  assert.equal(fields.url, 'postgres://pm:s3cret@db/x');
});
