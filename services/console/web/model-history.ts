import { api } from './api.js';
import { fill, h, table } from './dom.js';
import { when } from './format.js';

interface HistoryEntry { readonly at: string; readonly kind: string; readonly scope: string; readonly version: string; readonly action: string; readonly previousVersion: string | null; readonly reason: string | null; readonly backup: string | null }

/** The registry's production changes, newest first (promote, rollback, archive, restore). */
export async function modelHistory(box: HTMLElement): Promise<void> {
  const { items } = await api<{ items: HistoryEntry[] }>('/api/v1/models/history?limit=50');
  fill(
    box,
    h('h2', {}, 'Registry history'),
    h('div', { class: 'table-wrap' }, table(items, { When: (e) => when(e.at), Kind: (e) => e.kind, Action: (e) => e.action, Version: (e) => e.version, Previous: (e) => e.previousVersion ?? '—', Reason: (e) => e.reason ?? '', Backup: (e) => e.backup ?? '—' }, 'Latest 50 production changes')),
  );
}
