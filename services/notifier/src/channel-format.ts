import type { AlertEvent } from '@premonitor/contracts';
import type { Json } from '@premonitor/db';
import type { ChannelSettings } from './notifier-settings.js';
import { escapeDiscord, escapeSlack, noEscape, type Escape } from './channel-escape.js';
import { renderTemplate } from './templates.js';

/** Lines of a digest listed individually; the rest are summarised by count. */
const DIGEST_LINES = 20;
/** Discord refuses `content` over 2,000 characters; Slack truncates `text` far later. */
const DISCORD_MAX_CONTENT = 2_000;
const COLORS: Record<AlertEvent['severity'], number> = { CRITICAL: 0xd32f2f, WARNING: 0xf9a825, INFO: 0x1976d2 };
/** Discord: no mention in an alert pings anyone, whatever its text (the template's included). */
const NO_MENTIONS = { parse: [] };
const ESCAPES: Record<ChannelSettings['type'], Escape> = { slack: escapeSlack, discord: escapeDiscord, webhook: noEscape };

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The JSON body of one alert transition for the channel's kind. */
export function formatAlert(channel: ChannelSettings, event: AlertEvent): Json {
  const escape = ESCAPES[channel.type];
  const text = renderTemplate(channel.template, event, escape);
  switch (channel.type) {
    case 'discord':
      return {
        content: cut(text, DISCORD_MAX_CONTENT),
        allowed_mentions: NO_MENTIONS,
        embeds: [
          {
            title: cut(`${event.severity} · ${escape(event.rule)}`, 256),
            description: cut(event.message ? escape(event.message) : text, 4_000),
            color: COLORS[event.severity],
            timestamp: new Date(event.ts).toISOString(),
            fields: [
              { name: 'Device', value: `${event.site}/${event.device}`, inline: true },
              { name: 'Status', value: `${event.from} → ${event.to}`, inline: true },
              { name: 'Count', value: String(event.count), inline: true },
            ],
          },
        ],
      };
    case 'slack':
      return {
        text,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: cut(text, 3_000) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `alert ${event.alertId} · ${event.count}× · ${new Date(event.ts).toISOString()}` }] },
        ],
      };
    case 'webhook':
      return { type: 'alert', text, alert: event as unknown as Json };
  }
}

/** The JSON body of a digest: one message standing for many alert transitions. */
export function formatDigest(channel: ChannelSettings, events: readonly AlertEvent[], digestKey: string): Json {
  const bySeverity = new Map<string, number>();
  for (const e of events) bySeverity.set(e.severity, (bySeverity.get(e.severity) ?? 0) + 1);
  const summary = `${events.length} alerts at once (${[...bySeverity].map(([s, n]) => `${n} ${s}`).join(', ')})`;
  const lines = events.slice(0, DIGEST_LINES).map((e) => `• ${renderTemplate(channel.template, e, ESCAPES[channel.type])}`);
  if (events.length > DIGEST_LINES) lines.push(`… and ${events.length - DIGEST_LINES} more`);
  const text = `${summary}\n${lines.join('\n')}`;
  switch (channel.type) {
    case 'discord':
      return { content: cut(text, DISCORD_MAX_CONTENT), allowed_mentions: NO_MENTIONS, embeds: [] };
    case 'slack':
      return { text: summary, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(text, 3_000) } }] };
    case 'webhook':
      return { type: 'digest', digestKey, text: summary, alerts: events as unknown as Json };
  }
}
