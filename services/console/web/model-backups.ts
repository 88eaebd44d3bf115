import { api } from './api.js';
import { confirmedButton, runConfirmed } from './confirmed-action.js';
import { fill, h, table } from './dom.js';
import { when } from './format.js';

interface Backup { readonly name: string; readonly kinds: readonly string[]; readonly models: number; readonly size: number; readonly reason: string; readonly createdAt: string }

/** Registry backups: the list for everyone; create and restore for admins, each confirmed. */
export async function modelBackups(box: HTMLElement, admin: boolean, outcome: HTMLElement, changed: () => void): Promise<void> {
  const { items } = await api<{ items: Backup[] }>('/api/v1/models/backups');
  const restore = (b: Backup) =>
    confirmedButton({ label: 'Restore', question: `Restore backup ${b.name} (${b.kinds.join(', ')})? Production models of those kinds become what they were then.`, path: `/api/v1/models/backups/${encodeURIComponent(b.name)}/restore`, body: { reason: 'restored from the console' }, outcome, done: changed });
  fill(
    box,
    h('h2', {}, 'Registry backups'),
    admin ? createForm(outcome, changed) : null,
    h('div', { class: 'table-wrap' }, table(items, { Name: (b) => b.name, Kinds: (b) => b.kinds.join(', '), Models: (b) => b.models, 'Size (kB)': (b) => Math.ceil(b.size / 1024), Reason: (b) => b.reason, Created: (b) => when(b.createdAt), ...(admin ? { Actions: restore } : {}) })),
  );
}

/** A backup needs a reason (the API refuses an empty one). */
function createForm(outcome: HTMLElement, changed: () => void): HTMLFormElement {
  const reason = h('input', { name: 'reason', required: true, maxlength: 500, size: 30, placeholder: 'why (required)' });
  const form = h('form', { class: 'filters', 'aria-label': 'Back up the registry' }, h('label', {}, 'Reason', reason), h('button', { type: 'submit' }, 'Back up'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runConfirmed({ label: 'Back up', question: 'Back up every model of the registry now?', path: '/api/v1/models/backups', body: () => ({ reason: reason.value }), outcome, done: changed });
  });
  return form;
}
