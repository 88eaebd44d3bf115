import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertEvent } from '@premonitor/contracts';
import { CHANNEL_DEFAULTS, parseRoutingSettings } from './notifier-settings.js';
import { channelsFor } from './route-alert.js';
import { isNonPublicAddress } from './non-public-address.js';
import { signPayload, verifySignature } from './signature.js';
import { renderTemplate } from './templates.js';
import { formatAlert } from './channel-format.js';

const event: AlertEvent = {
  alertId: '7', site: 'plant-1', device: 'pump-3', rule: 'gas', severity: 'WARNING', from: 'none', to: 'open',
  ts: 0, count: 1, peakScore: null, message: 'gas high', idempotencyKey: 'k1',
};

test('routes match on severity, site and transition; defaults fill every channel', () => {
  const settings = parseRoutingSettings({
    channels: [
      { name: 'ops', type: 'slack', url: 'https://hooks.slack.com/services/x' },
      { name: 'oncall', type: 'discord', url: 'https://discord.com/api/webhooks/x', maxAttempts: 3 },
    ],
    routes: [
      { severities: ['CRITICAL'], channels: ['oncall'] },
      { sites: ['plant-1'], transitions: ['open'], channels: ['ops', 'oncall'] },
    ],
  });
  assert.deepEqual(channelsFor(event, settings.routes), ['ops', 'oncall']);
  assert.deepEqual(channelsFor({ ...event, site: 'plant-2' }, settings.routes), []);
  assert.deepEqual(channelsFor({ ...event, site: 'plant-2', severity: 'CRITICAL' }, settings.routes), ['oncall']);
  assert.equal(settings.channels[0]!.maxAttempts, CHANNEL_DEFAULTS.maxAttempts);
  assert.equal(settings.channels[1]!.maxAttempts, 3);
  assert.ok(Object.isFrozen(settings.channels[0]));
});

test('non-public addresses are recognised in IPv4, IPv6 and IPv4-mapped form', () => {
  for (const a of ['127.0.0.1', '10.0.0.1', '172.20.1.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
    assert.equal(isNonPublicAddress(a), true, a);
  }
  for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isNonPublicAddress(a), false, a);
});

test('verifySignature accepts its own signature within tolerance and nothing else', () => {
  const now = 1_700_000_000_000;
  const ts = now / 1000;
  const sig = signPayload('s3cret-s3cret-s3cret', ts, '{"a":1}');
  assert.equal(verifySignature('s3cret-s3cret-s3cret', ts, '{"a":1}', sig, 300, now), true);
  assert.equal(verifySignature('s3cret-s3cret-s3cret', ts, '{"a":2}', sig, 300, now), false);
  assert.equal(verifySignature('s3cret-s3cret-s3cret', ts, '{"a":1}', sig, 300, now + 301_000), false);
  assert.equal(verifySignature('s3cret-s3cret-s3cret', 'abc', '{"a":1}', sig, 300, now), false);
  assert.equal(verifySignature('s3cret-s3cret-s3cret', ts, '{"a":1}', undefined, 300, now), false);
});

test('a channel template fills every field of the transition into the Slack and Discord text', () => {
  const settings = parseRoutingSettings({
    channels: [{ name: 'ops', type: 'slack', url: 'https://hooks.slack.com/services/x', template: '{{ severity }}|{{site}}/{{device}}|{{rule}}|{{from}}→{{to}}|{{count}}|{{peakScore}}|{{alertId}}|{{time}}|{{message}}' }],
    routes: [{ channels: ['ops'] }],
  });
  const text = renderTemplate(settings.channels[0]!.template, { ...event, peakScore: 0.91234, count: 3 });
  assert.equal(text, 'WARNING|plant-1/pump-3|gas|none→open|3|0.912|7|1970-01-01T00:00:00.000Z|gas high');
  assert.equal(renderTemplate('{{peakScore}}', event), '-', 'no score');
  assert.equal((formatAlert(settings.channels[0]!, event) as { text: string }).text, renderTemplate(settings.channels[0]!.template, event));
});
