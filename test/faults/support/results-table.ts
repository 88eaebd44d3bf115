import type { CaseResult } from '../case.js';

const HEADER = ['case', 'sent', 'stored', 'lost', 'duplicates', 'dead-lettered', 'result'] as const;

/** The table rows: one per flow of each case (a case without rows gets one line with its error). */
function tableRows(results: readonly CaseResult[]): string[][] {
  const rows: string[][] = [];
  for (const r of results) {
    const verdict = r.ok ? 'pass' : 'FAIL';
    if (r.rows.length === 0) rows.push([r.name, '-', '-', '-', '-', '-', verdict]);
    for (const row of r.rows) rows.push([`${r.name} / ${row.flow}`, String(row.sent), String(row.stored), String(row.lost), String(row.duplicates), String(row.deadLettered), verdict]);
  }
  return rows;
}

/** The table for a terminal: aligned columns. */
export function textTable(results: readonly CaseResult[]): string {
  const rows = [[...HEADER], ...tableRows(results)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n');
}

/** The same table in Markdown, with the failed checks and the notes under it (for the closing note). */
export function markdownReport(results: readonly CaseResult[], header: string): string {
  const out = [header, '', `| ${HEADER.join(' | ')} |`, `|${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of tableRows(results)) out.push(`| ${row.join(' | ')} |`);
  out.push('', failures(results).join('\n'), '', ...notes(results));
  return out.join('\n') + '\n';
}

/** One line per failed check or case error. */
export function failures(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.error) lines.push(`- ${r.name}: ERROR ${r.error}`);
    for (const c of r.checks) if (!c.ok) lines.push(`- ${r.name}: ${c.name} — ${c.detail}`);
  }
  return lines.length ? ['Failed:', ...lines] : ['Every check passed.'];
}

function notes(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) for (const n of r.notes) lines.push(`- ${r.name}: ${n}`);
  return lines.length ? ['Notes:', ...lines] : [];
}
