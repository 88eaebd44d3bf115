import { api, messageOf } from './api.js';
import { fill, h, notice, table } from './dom.js';
import { text, when } from './format.js';
import type { Page } from './page.js';
import { can } from './session.js';

interface Run { readonly id: number; readonly kind: string; readonly status: string; readonly reason: string; readonly startedAt: string; readonly durationS: number | null; readonly progress: unknown; readonly candidateVersion: string | null; readonly error: string | null }
interface Counts { readonly total: number; readonly counts: readonly { kind: string; label: string; faultClass?: string | null; count: number }[] }

/** Refreshed while the page is open, so a run's progress moves. */
const REFRESH_MS = 3_000;

/** Runs with progress and history, sample counts, and the labelled-file upload (operators). */
export const retrainingPage: Page = async ({ user, main }) => {
  const runs = h('div', { class: 'table-wrap' });
  const samples = h('div', {});
  main.append(h('h2', {}, 'Runs'), runs, h('h2', {}, 'Labelled samples'), samples);
  if (can(user, 'write:samples')) main.append(h('h2', {}, 'Upload labelled files'), uploadForm());
  const draw = async (): Promise<void> => {
    const [history, counts] = await Promise.all([api<{ items: Run[] }>('/api/v1/retraining/history'), api<Counts>('/api/v1/samples?limit=1')]);
    fill(runs, table(history.items, { Run: (r) => r.id, Kind: (r) => r.kind, Status: (r) => r.status, Progress: (r) => h('code', {}, text(r.progress)), Reason: (r) => r.reason, Started: (r) => when(r.startedAt), 'Took (s)': (r) => r.durationS ?? '…', Candidate: (r) => r.candidateVersion ?? '—', Error: (r) => r.error ?? '' }));
    fill(samples, h('p', {}, `${counts.total} sample(s)`), table(counts.counts, { Kind: (c) => c.kind, Label: (c) => c.label, 'Fault class': (c) => c.faultClass ?? '—', Count: (c) => c.count }));
  };
  await draw();
  const timer = setInterval(() => void draw().catch(() => undefined), REFRESH_MS);
  return () => clearInterval(timer);
};

function uploadForm(): HTMLFormElement {
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters' },
    h('label', {}, 'Kind', h('select', { name: 'kind' }, ['acoustic', 'thermal', 'telemetry', 'vibration'].map((k) => h('option', { value: k }, k)))),
    h('label', {}, 'Label', h('select', { name: 'label' }, ['normal', 'anomalous'].map((k) => h('option', { value: k }, k)))),
    h('label', {}, 'Site', h('input', { name: 'site', size: 10 })),
    h('label', {}, 'Device', h('input', { name: 'device', size: 10 })),
    h('label', {}, 'Files', h('input', { name: 'file', type: 'file', multiple: true, required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Upload'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData();
    // Fields first: the API applies a field to the files after it.
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v) data.append(k, v);
    for (const file of (form.elements.namedItem('file') as HTMLInputElement).files ?? []) data.append('file', file, file.name);
    api<{ files?: { file: string; status: number; message?: string }[] }>('/api/v1/samples', { method: 'POST', form: data }).then(
      (answer) => fill(status, notice((answer.files ?? []).map((f) => `${f.file}: ${f.status}${f.message ? ` ${f.message}` : ''}`).join('; ') || 'uploaded', 'ok')),
      (err: unknown) => fill(status, notice(messageOf(err))),
    );
  });
  return form;
}
