import { api, messageOf } from './api.js';
import { confirmedButton } from './confirmed-action.js';
import { fill, h, notice, table } from './dom.js';
import { when } from './format.js';
import type { Page } from './page.js';
import { can } from './session.js';

interface DeadLetter { readonly id: string | number; readonly channel: string; readonly alertId?: string | number | null; readonly reason?: string; readonly error?: string | null; readonly time?: string; readonly createdAt?: string }
interface Route { readonly severities?: readonly string[]; readonly sites?: readonly string[]; readonly transitions?: readonly string[] }
interface Channel { readonly name: string; readonly type: string; readonly host: string; readonly breaker: 'open' | 'halfOpen' | 'closed'; readonly maxAttempts: number; readonly routes: readonly Route[] }

/** The breaker in words and a symbol (colour is never the only cue). */
const BREAKER: Record<Channel['breaker'], string> = { closed: '● closed (sending)', halfOpen: '◐ half-open (trying one)', open: '○ open (paused)' };

/** Channels with their breaker state, and the deliveries the notifier gave up on, with re-send (admin). */
export const notificationsPage: Page = async ({ user, main }) => {
  const channels = h('div', { class: 'table-wrap' });
  const outcome = h('div', { 'aria-live': 'polite' });
  const list = h('div', { class: 'table-wrap' });
  main.append(h('h2', {}, 'Channels'), channels, h('h2', {}, 'Dead letters'), outcome, list);
  // Embedded mode hosts the notifier only when NOTIFIER_CONFIG_FILE is set.
  const unavailable = (box: HTMLElement) => (err: unknown) => fill(box, notice(`${messageOf(err)} (is a notifier configured?)`));
  const drawChannels = async (): Promise<void> => {
    // Fleet-wide credentials only: a site-limited user sees the API's 403 message instead of a blank table.
    const { items } = await api<{ items: Channel[] }>('/api/v1/notifications/channels');
    fill(channels, table(items, { Channel: (c) => c.name, Type: (c) => c.type, Host: (c) => h('code', {}, c.host), Breaker: (c) => h('span', { class: `badge breaker-${c.breaker}`, 'data-breaker': c.breaker }, BREAKER[c.breaker]), Attempts: (c) => c.maxAttempts, Routes: (c) => c.routes.map(routeText).join('; ') || '—' }));
  };
  const draw = async (): Promise<void> => {
    const { items } = await api<{ items: DeadLetter[] }>('/api/v1/notifications/dead-letters');
    const resend = (d: DeadLetter) => confirmedButton({ label: 'Re-send', question: `Send dead letter ${d.id} (${d.channel}) again?`, path: `/api/v1/notifications/dead-letters/${d.id}/resend`, outcome, done: () => void draw().catch(unavailable(list)) });
    fill(list, table(items, { Id: (d) => d.id, Channel: (d) => d.channel, Alert: (d) => (d.alertId ? h('a', { href: `#/alert/${d.alertId}` }, `#${d.alertId}`) : '—'), Reason: (d) => d.reason ?? d.error ?? '', Time: (d) => when(d.time ?? d.createdAt), ...(can(user, 'admin:notifications') ? { Actions: resend } : {}) }));
  };
  await Promise.all([drawChannels().catch(unavailable(channels)), draw().catch(unavailable(list))]);
};

/** "CRITICAL, WARNING · sites plant-1 · open" — an absent filter is "every". */
function routeText(r: Route): string {
  return [r.severities?.join(', ') ?? 'every severity', r.sites ? `sites ${r.sites.join(', ')}` : 'every site', r.transitions?.join(', ') ?? 'every transition'].join(' · ');
}
