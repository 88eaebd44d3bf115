import { api, messageOf, query, type User } from './api.js';
import { fill, h, notice } from './dom.js';
import { reportTable, type Report } from './report-table.js';
import { can } from './session.js';

/** How often the alert page looks for the report it sent: it is stored and scored asynchronously (bus → retraining). */
const POLL_MS = 1_000;
const POLL_TRIES = 15;

/** The maintenance reports of one alert, and the form to attach another (`write:reports`). */
export async function alertReports(box: HTMLElement, user: User, alert: { id: string; site: string }): Promise<void> {
  const list = h('div', {});
  let shown = 0;
  const draw = async (): Promise<number> => {
    const { items } = await api<{ items: Report[] }>(`/api/v1/reports${query({ alert: alert.id, site: alert.site })}`);
    fill(list, reportTable(user, items, () => void draw()));
    return (shown = items.length);
  };
  fill(box, h('h3', {}, 'Maintenance reports'), can(user, 'write:reports') ? reportForm(alert.id, () => shown, draw) : null, list);
  await draw().catch((err: unknown) => fill(list, notice(messageOf(err))));
}

function reportForm(alertId: string, shown: () => number, draw: () => Promise<number>): HTMLFormElement {
  const status = h('div', { 'aria-live': 'polite' });
  const description = h('textarea', { name: 'description', required: true, maxlength: 2000, rows: 2, cols: 40, 'aria-label': 'Report text' });
  const equipment = h('input', { name: 'equipment_name', maxlength: 200, size: 16 });
  const form = h('form', { class: 'filters', 'aria-label': 'Attach a maintenance report' }, h('label', {}, 'Report', description), h('label', {}, 'Equipment', equipment), h('button', { type: 'submit', class: 'primary' }, 'Attach report'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const before = shown();
    api(`/api/v1/alerts/${encodeURIComponent(alertId)}/report`, { method: 'POST', body: { description: description.value, ...(equipment.value ? { equipment_name: equipment.value } : {}) } }).then(
      async () => {
        fill(status, notice('Sent; it is scored in a moment.', 'ok'));
        for (let i = 0; i < POLL_TRIES && (await draw().catch(() => before)) === before; i++) await new Promise((r) => setTimeout(r, POLL_MS));
        form.reset();
      },
      (err: unknown) => fill(status, notice(messageOf(err))),
    );
  });
  return form;
}
