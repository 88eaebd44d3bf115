import { api, messageOf } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { when } from './format.js';
import type { Page } from './page.js';
import { can } from './session.js';

interface DeadLetter { readonly id: string | number; readonly channel: string; readonly alertId?: string | number | null; readonly reason?: string; readonly error?: string | null; readonly time?: string; readonly createdAt?: string }

/** Deliveries the notifier gave up on, with re-send (admin). */
export const notificationsPage: Page = async ({ user, main }) => {
  const outcome = h('div', { 'aria-live': 'polite' });
  const list = h('div', { class: 'table-wrap' });
  main.append(h('h2', {}, 'Dead letters'), outcome, list);
  const draw = async (): Promise<void> => {
    try {
      const { items } = await api<{ items: DeadLetter[] }>('/api/v1/notifications/dead-letters');
      const resend = (d: DeadLetter) =>
        h('button', {
          type: 'button',
          onclick: () => {
            if (!confirm(`Send dead letter ${d.id} (${d.channel}) again?`)) return;
            api(`/api/v1/notifications/dead-letters/${d.id}/resend`, { method: 'POST' }).then(() => (fill(outcome, notice(`re-sent ${d.id}`, 'ok')), void draw()), (err: unknown) => fill(outcome, notice(messageOf(err))));
          },
        }, 'Re-send');
      fill(list, table(items, { Id: (d) => d.id, Channel: (d) => d.channel, Alert: (d) => (d.alertId ? h('a', { href: `#/alert/${d.alertId}` }, `#${d.alertId}`) : '—'), Reason: (d) => d.reason ?? d.error ?? '', Time: (d) => when(d.time ?? d.createdAt), ...(can(user, 'admin:notifications') ? { Actions: resend } : {}) }));
    } catch (err) {
      // Embedded mode hosts the notifier only when NOTIFIER_CONFIG_FILE is set.
      fill(list, notice(`${messageOf(err)} (is a notifier configured?)`));
    }
  };
  await draw();
};
