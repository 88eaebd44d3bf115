import { api } from './api.js';
import { alertActions, feedbackActions } from './alert-actions.js';
import { alertReports } from './alert-reports.js';
import type { Alert } from './alert-types.js';
import { severityBadge, statusBadge } from './badges.js';
import { fill, h, notice, table } from './dom.js';
import { num, when } from './format.js';
import type { Page } from './page.js';

interface AlertDetail extends Alert {
  readonly events: readonly { id: string; time: string; from: string | null; to: string; actor: string; note: string | null }[];
  readonly deliveries: readonly { channel: string; attempt: number; time: string; status: string; statusCode: number | null; error: string | null }[];
}

/** One alert: its facts, the actions the role may use, feedback, the history of transitions and deliveries, its maintenance reports. */
export const alertPage: Page = async ({ user, main, params }) => {
  const id = params[0] ?? '';
  const body = h('div', {});
  // Outside `body`: an ack redraws the facts, not a report being written.
  const reports = h('section', {});
  main.append(body, reports);
  const draw = async (): Promise<AlertDetail> => {
    const a = await api<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(id)}`);
    const outcome = h('div', { 'aria-live': 'polite' });
    fill(
      body,
      h('h2', {}, `#${a.id} ${a.title}`),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Severity'), h('dd', {}, severityBadge(a.severity)),
        h('dt', {}, 'Status'), h('dd', {}, statusBadge(a.status)),
        h('dt', {}, 'Device'), h('dd', {}, h('a', { href: `#/device/${a.site}/${a.device}` }, `${a.site}/${a.device}`)),
        h('dt', {}, 'Rule'), h('dd', {}, a.rule),
        h('dt', {}, 'Message'), h('dd', {}, a.message || '—'),
        h('dt', {}, 'First / last seen'), h('dd', {}, `${when(a.firstSeen)} / ${when(a.lastSeen)} (${a.count}×)`),
        h('dt', {}, 'Peak score'), h('dd', {}, num(a.peakScore)),
      ),
      alertActions(user, a, () => void draw()),
      feedbackActions(user, a.id, (verdict) => fill(outcome, notice(`Feedback recorded: ${verdict.replace('_', ' ')}`, 'ok'))),
      outcome,
      h('h3', {}, 'Transitions'),
      table(a.events, { Time: (e) => when(e.time), From: (e) => e.from ?? '—', To: (e) => statusBadge(e.to), Actor: (e) => e.actor, Note: (e) => e.note ?? '' }),
      h('h3', {}, 'Deliveries'),
      table(a.deliveries, { Time: (d) => when(d.time), Channel: (d) => d.channel, Attempt: (d) => d.attempt, Status: (d) => d.status, HTTP: (d) => d.statusCode ?? '—', Error: (d) => d.error ?? '' }),
    );
    return a;
  };
  await alertReports(reports, user, await draw());
};
