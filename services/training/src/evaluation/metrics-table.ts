import type { GroupMetrics } from './group-metrics.js';

/** A titled fixed-width table of group metrics for the console. */
export function formatMetricsTable(title: string, groups: Readonly<Record<string, GroupMetrics>>): string[] {
  const names = Object.keys(groups);
  const width = Math.max(10, ...names.map((n) => n.length));
  const header = `  ${'group'.padEnd(width)}  ${['normal', 'anomal', 'AUC', 'pAUC', 'R@1%FPR', 'prec', 'recall', 'F1', 'FPR'].map((h) => h.padStart(7)).join(' ')}`;
  const rows = names.map((name) => {
    const m = groups[name]!;
    const t = m.at_threshold;
    const cells = [String(m.normal), String(m.anomalous), ...[m.auc, m.pauc, m.recall_at_fpr1, t.precision, t.recall, t.f1, t.fpr].map((v) => v.toFixed(3))];
    return `  ${name.padEnd(width)}  ${cells.map((c) => c.padStart(7)).join(' ')}`;
  });
  return [`${title}:`, header, ...rows];
}
