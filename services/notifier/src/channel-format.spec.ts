import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertEvent } from '@premonitor/contracts';
import { parseRoutingSettings } from './notifier-settings.js';
import { formatAlert, formatDigest } from './channel-format.js';
import { escapeDiscord, escapeSlack } from './channel-escape.js';

/** What a hostile edge node can put into an alert's message. */
const HOSTILE =
  '@everyone @here <!everyone> <!channel> <!here> <@U024BE7LH> <@&123456> <#C0123> ' +
  '<https://evil.example|click here> [reset password](https://evil.example) **urgent** ~~x~~ ||spoiler|| `code` & co\n' +
  '# fake header\n- fake list\n-# fake subtext\n> fake quote';

const event: AlertEvent = {
  alertId: '42', site: 'plant-1', device: 'pump-3', rule: 'edge-alert', severity: 'CRITICAL', from: 'none', to: 'open',
  ts: 0, count: 1, peakScore: null, message: HOSTILE, idempotencyKey: 'k42',
};

function channels(template?: string) {
  const settings = parseRoutingSettings({
    channels: [
      { name: 's', type: 'slack', url: 'https://hooks.slack.com/services/x', ...(template ? { template } : {}) },
      { name: 'd', type: 'discord', url: 'https://discord.com/api/webhooks/x', ...(template ? { template } : {}) },
      { name: 'w', type: 'webhook', url: 'https://cmms.example.com/hook', secret: 'at-least-16-characters!' },
    ],
    routes: [{ channels: ['s', 'd', 'w'] }],
  });
  const [slack, discord, webhook] = settings.channels;
  return { slack: slack!, discord: discord!, webhook: webhook! };
}

/** Every string inside a JSON body. */
function strings(body: unknown): string[] {
  if (typeof body === 'string') return [body];
  if (Array.isArray(body)) return body.flatMap(strings);
  if (body && typeof body === 'object') return Object.values(body).flatMap(strings);
  return [];
}

function assertSlackSafe(body: unknown): void {
  for (const s of strings(body)) {
    assert.doesNotMatch(s, /<[!@#]|<https?:/, `Slack control sequence left in: ${s}`);
    assert.doesNotMatch(s, /@(everyone|here|channel)\b/, `bare broadcast left in: ${s}`);
  }
}

function assertDiscordSafe(body: unknown): void {
  assert.deepEqual((body as { allowed_mentions?: unknown }).allowed_mentions, { parse: [] });
  for (const s of strings(body)) {
    assert.doesNotMatch(s, /(^|[^\\])<[@#:]/, `unescaped Discord mention in: ${s}`);
    assert.doesNotMatch(s, /@(everyone|here)\b/, `bare @everyone/@here in: ${s}`);
    assert.doesNotMatch(s, /(^|[^\\])\[reset password(\\)?\]\(/, `masked link left in: ${s}`);
    assert.doesNotMatch(s, /^(#|-|>)/m, `line-leading markdown left in: ${s}`);
  }
}

test('Slack: device text cannot mention anyone or forge a link; the message still reads the same', () => {
  const body = formatAlert(channels().slack, event);
  assertSlackSafe(body);
  const text = (body as { text: string }).text;
  assert.match(text, /&lt;!channel&gt;/);
  assert.match(text, /&amp; co/);
  assert.match(text, /\[CRITICAL\] edge-alert on plant-1\/pump-3 is open: @\u200beveryone/);
});

test('Discord: allowed_mentions is empty, mentions and markdown in device text are escaped', () => {
  const body = formatAlert(channels().discord, event) as { content: string; embeds: Array<{ description: string }> };
  assertDiscordSafe(body);
  assert.ok(body.content.includes('\\<@U024BE7LH\\>'), body.content);
  assert.match(body.content, /\\\*\\\*urgent\\\*\\\*/);
  assert.ok(body.embeds[0]!.description.includes('\\<@&123456\\>'), body.embeds[0]!.description);
});

test('digests of hostile alerts are escaped the same way', () => {
  const { slack, discord } = channels();
  const events = Array.from({ length: 3 }, (_, i) => ({ ...event, alertId: String(i), idempotencyKey: `k${i}` }));
  assertSlackSafe(formatDigest(slack, events, 'dg'));
  assertDiscordSafe(formatDigest(discord, events, 'dg'));
});

test('the operator\'s own template keeps its deliberate mention; only the filled-in values are escaped', () => {
  const { slack } = channels('<!here> {{severity}}: {{message}}');
  const text = (formatAlert(slack, { ...event, message: '<!channel> hi' }) as { text: string }).text;
  assert.equal(text, '<!here> CRITICAL: &lt;!channel&gt; hi');
});

test('a generic webhook gets the message verbatim: JSON needs no escaping', () => {
  const body = formatAlert(channels().webhook, event) as { text: string; alert: AlertEvent };
  assert.equal(body.alert.message, HOSTILE);
  assert.ok(body.text.endsWith(HOSTILE));
});

test('escapers are total: harmless text passes unchanged but for the characters they escape', () => {
  assert.equal(escapeSlack('pump 3: 81 °C, rising'), 'pump 3: 81 °C, rising');
  assert.equal(escapeDiscord('pump 3: 81 °C, rising'), 'pump 3: 81 °C, rising');
  assert.equal(escapeDiscord('a-b'), 'a-b');
  assert.equal(escapeSlack('a@herepoint'), 'a@herepoint');
});
