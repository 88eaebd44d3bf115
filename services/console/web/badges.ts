import { h } from './dom.js';

/** Severity with a symbol and a word: colour is never the only cue. */
const SEVERITY_MARK: Record<string, string> = { CRITICAL: '▲', WARNING: '◆', INFO: '●' };
const STATUS_MARK: Record<string, string> = { open: '○', acknowledged: '◐', resolved: '●' };

export function severityBadge(severity: string): HTMLSpanElement {
  return h('span', { class: `badge sev-${severity.toLowerCase()}` }, `${SEVERITY_MARK[severity] ?? ''} ${severity}`);
}

export function statusBadge(status: string): HTMLSpanElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, `${STATUS_MARK[status] ?? ''} ${status}`);
}

export function onlineBadge(online: boolean): HTMLSpanElement {
  return h('span', { class: `badge ${online ? 'online' : 'offline'}` }, online ? '● online' : '○ offline');
}
