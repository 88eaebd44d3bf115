import type { ClassMetrics } from '../evaluation/class-metrics.js';
import type { WorkOrderEvaluation } from './work-order-evaluation.js';

/** One target of the bench's last line. */
export interface TriageBenchTarget {
  readonly name: string;
  readonly macro_f1: number;
  readonly accuracy: number;
  /** Ordinal targets only (null for nominal ones). */
  readonly mae: number | null;
  readonly majority_macro_f1: number;
  readonly keyword_macro_f1: number;
  readonly keyword_mae: number | null;
  readonly middle_mae: number | null;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const f3 = (x: number): string => (Number.isNaN(x) ? '  –  ' : x.toFixed(3));

/** The targets of the bench's JSON line, rounded to 3 decimals. */
export function workOrderTargetsJson(evaluation: WorkOrderEvaluation): TriageBenchTarget[] {
  return evaluation.targets.map((t) => {
    const ordinal = t.target.kind === 'ordinal';
    return {
      name: t.target.name,
      macro_f1: r3(t.model.macro_f1),
      accuracy: r3(t.model.accuracy),
      mae: ordinal ? r3(t.model.mae) : null,
      majority_macro_f1: r3(t.majority.macro_f1),
      keyword_macro_f1: r3(t.keyword.macro_f1),
      keyword_mae: ordinal ? r3(t.keyword.mae) : null,
      middle_mae: t.middle ? r3(t.middle.mae) : null,
    };
  });
}

/** Text tables: pooled metrics with both baselines, per-fold macro F1, and the model's confusion matrices. */
export function formatWorkOrderEvaluation(evaluation: WorkOrderEvaluation): string[] {
  const lines: string[] = [];
  lines.push(`leave-one-excavator-out on ${evaluation.orders} work orders (${evaluation.folds.length} folds), predictions pooled over the folds`);
  lines.push('target             kind     n     | model F1  acc    MAE   | keyword F1  acc    MAE   | majority F1  acc    MAE   | middle MAE | model F1 per fold');
  for (const t of evaluation.targets) {
    const ordinal = t.target.kind === 'ordinal';
    const cell = (m: ClassMetrics): string => `${f3(m.macro_f1)}  ${f3(m.accuracy)}  ${ordinal ? f3(m.mae) : '  –  '}`;
    lines.push(`${t.target.name.padEnd(18)} ${t.target.kind.padEnd(8)} ${String(t.model.n).padStart(5)} | ${cell(t.model)} | ${cell(t.keyword)}   | ${cell(t.majority)}    | ${t.middle ? f3(t.middle.mae) : '  –  '}      | ${f3(t.fold_macro_f1.min)}–${f3(t.fold_macro_f1.max)}`);
  }
  lines.push('');
  lines.push(`per fold (held-out excavator): macro F1 model / keyword / majority`);
  lines.push(`asset  train  test  train_s  vocab  ${evaluation.targets.map((t) => t.target.name.padEnd(22)).join('')}`);
  for (const f of evaluation.folds) {
    const cells = evaluation.targets.map((t) => {
      const c = f.targets[t.target.name]!;
      return (c.n === 0 ? '(no labels)' : `${f3(c.macro_f1)}/${f3(c.keyword_macro_f1)}/${f3(c.majority_macro_f1)}`).padEnd(22);
    });
    lines.push(`${f.asset.padEnd(6)} ${String(f.train).padStart(5)} ${String(f.test).padStart(5)}  ${f.train_s.toFixed(2).padStart(6)}  ${String(f.vocabulary).padStart(5)}  ${cells.join('')}`);
  }
  for (const t of evaluation.targets) {
    lines.push('');
    lines.push(`confusion of the model, ${t.target.name} (rows: true class, columns: predicted)`);
    const width = Math.max(6, ...t.target.classes.map((c) => c.length)) + 1;
    lines.push(`${''.padEnd(width)}${t.target.classes.map((c) => c.slice(0, 10).padStart(11)).join('')}`);
    t.model.confusion.forEach((row, i) => lines.push(`${t.target.classes[i]!.padEnd(width)}${row.map((v) => String(v).padStart(11)).join('')}`));
  }
  lines.push('');
  lines.push(`exported model in onnxruntime (1 thread, batches of 256): ${evaluation.predict_per_s.toFixed(0)} reports/s on the test texts; ONNX vs TypeScript decoded classes differing: ${evaluation.onnx_disagreements}`);
  return lines;
}
