import { api, query } from './api.js';
import { fill, h, table } from './dom.js';
import { when } from './format.js';
import type { Page } from './page.js';

interface AuditEvent {
  readonly id: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly status: number;
  readonly remoteAddr: string | null;
}

/** Who changed what, when and from where, newest first, paged. */
export const auditPage: Page = async ({ main }) => {
  const list = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  main.append(list, pager);
  const previous: (number | undefined)[] = [];
  const load = async (cursor: number | undefined): Promise<void> => {
    const page = await api<{ items: AuditEvent[]; next: number | null }>(`/api/v1/audit${query({ cursor, limit: 100 })}`);
    fill(list, table(page.items, { Time: (e) => when(e.time), Actor: (e) => e.actor, Action: (e) => e.action, Target: (e) => e.target, Status: (e) => e.status, From: (e) => e.remoteAddr ?? '—' }, 'Audit events'));
    fill(
      pager,
      h('button', { type: 'button', disabled: previous.length === 0, onclick: () => void load(previous.pop()) }, '← Newer'),
      h('button', { type: 'button', disabled: page.next === null, onclick: () => (previous.push(cursor), void load(page.next ?? undefined)) }, 'Older →'),
    );
  };
  await load(undefined);
};
