import { api, messageOf, type User } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { num, when } from './format.js';
import { can } from './session.js';

/** The three triage targets, in the order the issue names them. */
const TARGETS = [
  { key: 'availability', label: 'Availability' },
  { key: 'fiability', label: 'Reliability' },
  { key: 'process_safety', label: 'Process safety' },
] as const;
type Target = (typeof TARGETS)[number]['key'];

/** A maintenance report as `GET /api/v1/reports` shows it (that API's snake_case). */
export interface Report {
  readonly id: string;
  readonly site: string;
  readonly device: string;
  readonly alert_id: string | null;
  readonly text: string;
  readonly equipment_name: string | null;
  readonly author: string;
  readonly created_at: string;
  readonly scores: Readonly<Record<Target, { score: number; confidence: number }>> | null;
  readonly model_version: string | null;
  readonly unscored_reason?: string;
  /** An engineer's scores (they became the triage training record `report-{id}`). */
  readonly correction: (Readonly<Record<`${Target}_score`, number>> & { by?: string; at?: string }) | null;
}

/**
 * Reports with the model's three scores and confidences, the engineer's correction beside them,
 * and a correction form for those who may write reports (`write:reports`).
 */
export function reportTable(user: User, reports: readonly Report[], changed: () => void): HTMLElement {
  const correct = can(user, 'write:reports');
  return h(
    'div',
    { class: 'table-wrap' },
    table(reports, {
      Report: (r) => h('span', {}, `#${r.id} `, r.text),
      Device: (r) => h('a', { href: `#/device/${r.site}/${r.device}` }, `${r.site}/${r.device}`),
      Alert: (r) => (r.alert_id ? h('a', { href: `#/alert/${r.alert_id}` }, `#${r.alert_id}`) : '—'),
      ...Object.fromEntries(TARGETS.map((t) => [t.label, (r: Report) => scoreCell(r, t.key)])),
      Model: (r) => r.model_version ?? (r.unscored_reason ? h('span', { title: r.unscored_reason }, 'unscored') : '—'),
      Author: (r) => `${r.author}, ${when(r.created_at)}`,
      Correction: (r) => (r.correction ? `${TARGETS.map((t) => r.correction![`${t.key}_score`]).join(' / ')} by ${r.correction.by ?? '?'}` : '—'),
      ...(correct ? { Actions: (r: Report) => correctionButton(r, changed) } : {}),
    }),
  );
}

/** "4 (0.82)": the score and the model's confidence in it; — when unscored. */
function scoreCell(r: Report, target: Target): string {
  const s = r.scores?.[target];
  return s ? `${s.score} (${num(s.confidence, 2)})` : '—';
}

/** Opens the engineer's correction form in the row: three scores 1–5, starting from the model's (or the last correction). */
function correctionButton(r: Report, changed: () => void): HTMLElement {
  const box = h('div', { class: 'actions' });
  const open = () => {
    const status = h('span', { 'aria-live': 'polite' });
    const selects = TARGETS.map((t) => {
      const current = r.correction?.[`${t.key}_score`] ?? r.scores?.[t.key].score ?? 3;
      return h('label', {}, t.label, h('select', { name: `${t.key}_score` }, [1, 2, 3, 4, 5].map((v) => h('option', { value: v, selected: v === current }, v))));
    });
    const form = h('form', { class: 'note-form correction', 'aria-label': `Correct report ${r.id}` }, selects, h('button', { type: 'submit', class: 'primary' }, 'Save correction'), h('button', { type: 'button', onclick: () => changed() }, 'Cancel'), status);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = Object.fromEntries(TARGETS.map((t) => [`${t.key}_score`, Number((form.elements.namedItem(`${t.key}_score`) as HTMLSelectElement).value)]));
      api(`/api/v1/reports/${encodeURIComponent(r.id)}/correction`, { method: 'POST', body }).then(changed, (err: unknown) => fill(status, notice(messageOf(err))));
    });
    fill(box, form);
    (selects[0]!.querySelector('select') as HTMLSelectElement).focus();
  };
  fill(box, h('button', { type: 'button', 'data-action': 'correct', onclick: open }, 'Correct'));
  return box;
}
