import { api, query } from './api.js';
import { alertActions } from './alert-actions.js';
import type { Alert, AlertStreamEvent } from './alert-types.js';
import { severityBadge, statusBadge } from './badges.js';
import { fill, h } from './dom.js';
import { when } from './format.js';
import type { Page } from './page.js';

/** Rows drawn per task while a page fills. */
const ROWS_PER_SLICE = 100;
const FILTERS = ['severity', 'status', 'site', 'device', 'rule'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number] | 'limit', string>>;

/**
 * Alerts: filters (kept in the URL), keyset pages, and live updates over server-sent events —
 * a transition updates its row in place, a new alert matching the filters appears on the first page.
 */
export const alertsPage: Page = async ({ user, main, search }) => {
  const filters: Filters = {};
  for (const key of [...FILTERS, 'limit'] as const) {
    const v = search.get(key);
    if (v) filters[key] = v;
  }
  // A credential limited to sites may list only one of them (?site=): start with its first.
  if (!filters.site && user.sites?.length) filters.site = user.sites[0];
  const live = h('p', { class: 'live', 'aria-live': 'polite' }, 'Live updates: connecting…');
  const list = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  main.append(filterForm(filters), live, list, pager);

  const rows = new Map<string, HTMLTableRowElement>();
  /** Cursors of the pages before the current one (the first page has none). */
  const previous: (number | undefined)[] = [];
  let cursor: number | undefined;
  let tbody: HTMLTableSectionElement | undefined;

  let generation = 0;
  const load = async (): Promise<void> => {
    const mine = ++generation;
    const page = await api<{ items: Alert[]; next: string | null }>(`/api/v1/alerts${query({ ...filters, cursor })}`);
    if (mine !== generation) return;
    rows.clear();
    const body = (tbody = h('tbody', {}));
    fill(list, h('table', { class: 'alerts' }, h('caption', {}, page.items.length ? `${page.items.length} alert(s), #${page.items[0]!.id} to #${page.items.at(-1)!.id}` : 'No alerts match.'), head(), body));
    fill(
      pager,
      h('button', { type: 'button', disabled: previous.length === 0, onclick: () => ((cursor = previous.pop()), void load()) }, '← Newer'),
      h('button', { type: 'button', disabled: page.next === null, onclick: () => (previous.push(cursor), (cursor = Number(page.next)), void load()) }, 'Older →'),
    );
    // In slices, yielding between them: a page of 1,000 rows is never one long task that
    // freezes the page (typing, scrolling and live updates go on while it fills).
    for (let i = 0; i < page.items.length; i += ROWS_PER_SLICE) {
      if (i > 0) await new Promise((r) => setTimeout(r, 0));
      if (mine !== generation) return;
      const fragment = document.createDocumentFragment();
      for (const alert of page.items.slice(i, i + ROWS_PER_SLICE)) fragment.append(row(alert));
      body.append(fragment);
    }
    body.dataset['complete'] = 'true';
  };

  const row = (alert: Alert): HTMLTableRowElement => {
    const tr = h(
      'tr',
      { 'data-alert-id': alert.id },
      h('td', { 'data-label': 'Alert' }, h('a', { href: `#/alert/${alert.id}` }, `#${alert.id}`)),
      h('td', { 'data-label': 'Severity' }, severityBadge(alert.severity)),
      h('td', { 'data-label': 'Status' }, statusBadge(alert.status)),
      h('td', { 'data-label': 'Device' }, h('a', { href: `#/device/${alert.site}/${alert.device}` }, `${alert.site}/${alert.device}`)),
      h('td', { 'data-label': 'Rule' }, alert.rule),
      h('td', { 'data-label': 'Title' }, alert.title),
      h('td', { 'data-label': 'Last seen' }, when(alert.lastSeen)),
      h('td', { 'data-label': 'Actions' }, alertActions(user, alert, () => void refreshRow(alert.id))),
    );
    rows.set(alert.id, tr);
    return tr;
  };

  const refreshRow = async (id: string): Promise<void> => {
    const alert = await api<Alert>(`/api/v1/alerts/${id}`);
    rows.get(id)?.replaceWith(row(alert));
  };

  await load();
  const stream = openStream(filters.site, (event) => {
    const existing = rows.get(event.alert.id);
    if (existing) existing.replaceWith(row(event.alert));
    else if (cursor === undefined && event.from === null && matches(event.alert, filters)) tbody?.prepend(row(event.alert));
  }, live);
  return () => stream.close();
};

function head(): HTMLTableSectionElement {
  return h('thead', {}, h('tr', {}, ['Alert', 'Severity', 'Status', 'Device', 'Rule', 'Title', 'Last seen', 'Actions'].map((n) => h('th', { scope: 'col' }, n))));
}

function matches(alert: Alert, f: Filters): boolean {
  return (!f.severity || alert.severity === f.severity) && (!f.status || alert.status === f.status) && (!f.site || alert.site === f.site) && (!f.device || alert.device === f.device) && (!f.rule || alert.rule === f.rule);
}

/** The live feed, of one site when the filter names one (a credential limited to sites must). */
function openStream(site: string | undefined, onEvent: (event: AlertStreamEvent) => void, status: HTMLElement): EventSource {
  const source = new EventSource(`/api/v1/alerts/stream${query({ site })}`);
  source.addEventListener('open', () => fill(status, '● Live updates: connected'));
  source.addEventListener('error', () => fill(status, '○ Live updates: reconnecting…'));
  source.addEventListener('alert', (message) => onEvent(JSON.parse((message as MessageEvent<string>).data) as AlertStreamEvent));
  return source;
}

function filterForm(filters: Filters): HTMLFormElement {
  const select = (name: string, label: string, options: readonly string[], none: string | null = 'any') =>
    h('label', {}, label, h('select', { name }, none === null ? null : h('option', { value: '' }, none), options.map((o) => h('option', { value: o, selected: filters[name as keyof Filters] === o }, o))));
  const input = (name: string, label: string) => h('label', {}, label, h('input', { name, value: filters[name as keyof Filters] ?? '', size: 12 }));
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter alerts' },
    select('severity', 'Severity', ['CRITICAL', 'WARNING', 'INFO']),
    select('status', 'Status', ['open', 'acknowledged', 'resolved']),
    input('site', 'Site'),
    input('device', 'Device'),
    input('rule', 'Rule'),
    select('limit', 'Per page', ['100', '500', '1000'], null),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v)]));
    location.hash = `#/alerts${query(values)}`;
  });
  return form;
}
