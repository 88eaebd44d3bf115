import { api } from './api.js';
import { confirmedButton } from './confirmed-action.js';
import { fill, h, table } from './dom.js';
import { num, text, when } from './format.js';
import { modelBackups } from './model-backups.js';
import { modelHistory } from './model-history.js';
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
  /** Promoted past a failed model check by an admin. */
  readonly promotionForced: boolean;
  readonly lineage: unknown;
  /** The retraining run that trained it (its evaluation chart is the run's report.png). */
  readonly retrainingRun: number | string | null;
  readonly check: { status: string; reason?: string } | null;
}

/** Every kind the registry holds, listed even when empty so a missing model is visible (triage: issue 18). */
const KINDS = ['acoustic', 'thermal', 'forecast', 'triage'] as const;
/** Kinds whose runs draw an evaluation chart (the triage trainer reports numbers only). */
const CHARTED_KINDS: ReadonlySet<string> = new Set(['acoustic', 'thermal', 'forecast']);

/**
 * Every registered model per kind: stage, metrics, lineage, forced promotions, the run's
 * evaluation chart; promote, roll back and archive (admin only, after a confirmation); then the
 * registry's history and its backups.
 */
export const modelsPage: Page = async ({ user, main }) => {
  const body = h('div', {});
  const outcome = h('div', { 'aria-live': 'polite' });
  const history = h('section', {});
  const backups = h('section', {});
  main.append(outcome, body, history, backups);
  const admin = can(user, 'admin:models');
  const redraw = () => void Promise.all([draw(), modelHistory(history), modelBackups(backups, admin, outcome, redraw)]);
  const act = (label: string, path: string, question: string) => confirmedButton({ label, question, path, body: { reason: 'from the console' }, outcome, done: redraw });
  const actions = (m: Model): HTMLElement | null => {
    if (m.stage === 'production') return null;
    const kind = encodeURIComponent(m.kind);
    const version = encodeURIComponent(m.version);
    return h(
      'div',
      { class: 'actions' },
      act('Promote', `/api/v1/models/${kind}/${version}/promote`, `Promote ${m.kind} ${m.version} to production?`),
      m.stage === 'archived' ? null : act('Archive', `/api/v1/models/${kind}/${version}/archive`, `Archive ${m.kind} ${m.version}? It is no longer a fallback or rollback target.`),
    );
  };
  const draw = async (): Promise<void> => {
    const { items } = await api<{ items: Model[] }>('/api/v1/models');
    const kinds = [...new Set([...KINDS, ...items.map((m) => m.kind)])];
    fill(
      body,
      kinds.flatMap((kind) => [
        h('h2', {}, kind, admin && items.some((m) => m.kind === kind && m.stage === 'production') ? act('Roll back', `/api/v1/models/${kind}/rollback`, `Roll ${kind} back to the previous production model?`) : null),
        h('div', { class: 'table-wrap' }, table(items.filter((m) => m.kind === kind), {
          Version: (m) => m.version,
          Scope: (m) => m.scope || 'fleet',
          Stage: (m) => h('span', { class: `badge stage-${m.stage}` }, m.stage, m.promotionForced ? ' (forced)' : ''),
          Check: (m) => (m.check ? `${m.check.status}${m.check.reason ? `: ${m.check.reason}` : ''}` : '—'),
          Metrics: (m) => metricList(m.metrics),
          Lineage: (m) => h('code', {}, text(m.lineage)),
          'Evaluation chart': (m) => evaluationChart(m),
          Created: (m) => when(m.createdAt),
          ...(admin ? { Actions: actions } : {}),
        })),
      ]),
    );
  };
  await Promise.all([draw(), modelHistory(history), modelBackups(backups, admin, outcome, redraw)]);
};

/** The training run's chart, loaded lazily; a run without one (failed, older) says so in words. */
function evaluationChart(m: Model): HTMLElement | string {
  if (m.retrainingRun === null || !CHARTED_KINDS.has(m.kind)) return '—';
  const run = encodeURIComponent(String(m.retrainingRun));
  const image = h('img', { src: `/api/v1/retraining/runs/${run}/report.png`, alt: `Evaluation chart of ${m.kind} ${m.version} (run ${m.retrainingRun})`, loading: 'lazy', class: 'report-chart' });
  image.addEventListener('error', () => image.replaceWith(`run ${m.retrainingRun}: no chart`));
  return h('a', { href: image.src, target: '_blank', rel: 'noopener' }, image);
}

/** Metrics as "name value" lines, numbers to 3 decimals (a JSON blob is hard to scan). */
function metricList(metrics: unknown): HTMLElement | string {
  if (metrics === null || typeof metrics !== 'object') return text(metrics);
  return h('ul', { class: 'metrics' }, Object.entries(metrics as Record<string, unknown>).map(([k, v]) => h('li', {}, `${k} ${typeof v === 'number' ? num(v) : text(v)}`)));
}
