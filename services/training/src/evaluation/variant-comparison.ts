import { groupMetrics } from './group-metrics.js';
import type { EvaluatedExample } from './group-metrics.js';

/** One exported variant scored on the test split. */
export interface VariantRun {
  readonly examples: readonly EvaluatedExample[];
  /** Median single-item latency, one onnxruntime thread, ms. */
  readonly latencyMs: number;
}

/** Size, speed and quality of one variant. */
export interface VariantFigures {
  readonly bytes: number;
  readonly latency_ms: number;
  readonly auc: number;
  readonly pauc: number;
  readonly recall_at_fpr1: number;
}

/** Float32 against INT8 on identical inputs. */
export interface VariantComparison {
  readonly float32: VariantFigures;
  readonly int8: VariantFigures;
  /** INT8 size as a fraction of float32. */
  readonly size_ratio: number;
  /** Float32 latency over INT8 latency (> 1: INT8 is faster). */
  readonly speedup: number;
}

/** Compares two runs of the same test split. */
export function compareVariants(float32: VariantRun & { bytes: number }, int8: VariantRun & { bytes: number }): VariantComparison {
  const figures = (run: VariantRun & { bytes: number }): VariantFigures => {
    const m = groupMetrics(run.examples);
    return { bytes: run.bytes, latency_ms: Math.round(run.latencyMs * 1000) / 1000, auc: m.auc, pauc: m.pauc, recall_at_fpr1: m.recall_at_fpr1 };
  };
  const f = figures(float32);
  const q = figures(int8);
  return { float32: f, int8: q, size_ratio: Math.round((q.bytes / f.bytes) * 1000) / 1000, speedup: Math.round((f.latency_ms / q.latency_ms) * 100) / 100 };
}

/** Lines for the console report. */
export function formatComparison(c: VariantComparison): string[] {
  const row = (name: string, v: VariantFigures): string =>
    `  ${name.padEnd(8)} ${(v.bytes / 1024).toFixed(0).padStart(6)} KiB  ${v.latency_ms.toFixed(2).padStart(7)} ms/item  AUC ${v.auc.toFixed(4)}  pAUC ${v.pauc.toFixed(4)}`;
  return ['INT8 vs float32 (onnxruntime-node, 1 thread, batch 1):', row('float32', c.float32), row('int8', c.int8), `  size ×${c.size_ratio}, speed-up ×${c.speedup}`];
}
