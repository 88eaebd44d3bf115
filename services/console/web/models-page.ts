import { api, messageOf } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { num, text, when } from './format.js';
import type { Page } from './page.js';
import { can } from './session.js';

interface Model {
  readonly kind: string;
  readonly scope: string;
  readonly version: string;
  readonly stage: string;
  readonly metrics: unknown;
  readonly createdAt: string;
  readonly promotedAt: string | null;
  readonly lineage: unknown;
  readonly check: { status: string; reason?: string } | null;
}

/** Every registered model per kind: stage, metrics, lineage; promote and roll back (admin only, after a confirmation). */
export const modelsPage: Page = async ({ user, main }) => {
  const body = h('div', {});
  const outcome = h('div', { 'aria-live': 'polite' });
  main.append(outcome, body);
  const admin = can(user, 'admin:models');
  const act = (label: string, path: string, question: string) =>
    h('button', {
      type: 'button',
      onclick: () => {
        if (!confirm(question)) return;
        api(path, { method: 'POST', body: { reason: 'from the console' } }).then(
          () => (fill(outcome, notice(`${label}: done`, 'ok')), void draw()),
          (err: unknown) => fill(outcome, notice(messageOf(err))),
        );
      },
    }, label);
  const draw = async (): Promise<void> => {
    const { items } = await api<{ items: Model[] }>('/api/v1/models');
    const kinds = [...new Set(items.map((m) => m.kind))];
    fill(
      body,
      kinds.flatMap((kind) => [
        h('h2', {}, kind, admin ? act('Roll back', `/api/v1/models/${kind}/rollback`, `Roll ${kind} back to the previous production model?`) : null),
        h('div', { class: 'table-wrap' }, table(items.filter((m) => m.kind === kind), {
          Version: (m) => m.version,
          Scope: (m) => m.scope || 'fleet',
          Stage: (m) => h('span', { class: `badge stage-${m.stage}` }, m.stage),
          Check: (m) => (m.check ? `${m.check.status}${m.check.reason ? `: ${m.check.reason}` : ''}` : '—'),
          Metrics: (m) => metricList(m.metrics),
          Lineage: (m) => h('code', {}, text(m.lineage)),
          Created: (m) => when(m.createdAt),
          ...(admin ? { Actions: (m: Model) => (m.stage === 'production' ? null : act('Promote', `/api/v1/models/${kind}/${encodeURIComponent(m.version)}/promote`, `Promote ${kind} ${m.version} to production?`)) } : {}),
        })),
      ]),
    );
  };
  await draw();
};

/** Metrics as "name value" lines, numbers to 3 decimals (a JSON blob is hard to scan). */
function metricList(metrics: unknown): HTMLElement | string {
  if (metrics === null || typeof metrics !== 'object') return text(metrics);
  return h('ul', { class: 'metrics' }, Object.entries(metrics as Record<string, unknown>).map(([k, v]) => h('li', {}, `${k} ${typeof v === 'number' ? num(v) : text(v)}`)));
}
