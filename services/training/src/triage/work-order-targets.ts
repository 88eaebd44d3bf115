import type { ModelTarget } from '@premonitor/ml';
import type { WorkOrder } from './work-orders.js';

/**
 * The real labels of the excavator work orders, as targets a text model can be judged on
 * (no public set has availability/reliability/safety scores):
 * - `order_type` (nominal): PM01 corrective against every other order type;
 * - `failure_mode` (nominal): the coded failure mode's first part, five frequent ones + other;
 * - `cost_band`, `running_time_band` (ordinal 1–5): quintiles fitted on the training orders only.
 */
export const WORK_ORDER_TARGETS: readonly ModelTarget[] = Object.freeze([
  { name: 'order_type', kind: 'nominal', classes: ['corrective', 'other'] },
  { name: 'failure_mode', kind: 'nominal', classes: ['Leak', 'Structural Integrity', 'Missing / Loose', 'Over Temp', 'Unspecified', 'other'] },
  { name: 'cost_band', kind: 'ordinal', classes: ['1', '2', '3', '4', '5'] },
  { name: 'running_time_band', kind: 'ordinal', classes: ['1', '2', '3', '4', '5'] },
]);

/** Upper edges of the lower four bands; a value ≤ edges[k] is in band k + 1. */
export interface BandEdges {
  readonly cost: readonly number[];
  readonly runningTime: readonly number[];
}

/** Quintile edges of cost and running time over `training` (the test part never informs them). */
export function fitBandEdges(training: readonly WorkOrder[]): BandEdges {
  return {
    cost: quantileEdges(training.map((o) => o.cost)),
    runningTime: quantileEdges(training.flatMap((o) => (o.runningTime === undefined ? [] : [o.runningTime]))),
  };
}

/** Class indices of every target for `orders` (−1 where the order has no such label). */
export function workOrderLabels(orders: readonly WorkOrder[], edges: BandEdges): Int32Array[] {
  const [, failureModes] = WORK_ORDER_TARGETS.map((t) => t.classes);
  return [
    Int32Array.from(orders, (o) => (o.orderType === 'PM01' ? 0 : 1)),
    Int32Array.from(orders, (o) => {
      if (o.failureMode === undefined) return -1;
      const first = o.failureMode.split('_')[0]!;
      const index = failureModes!.indexOf(first);
      return index >= 0 ? index : failureModes!.length - 1;
    }),
    Int32Array.from(orders, (o) => band(o.cost, edges.cost)),
    Int32Array.from(orders, (o) => (o.runningTime === undefined ? -1 : band(o.runningTime, edges.runningTime))),
  ];
}

function band(value: number, edges: readonly number[]): number {
  const k = edges.findIndex((e) => value <= e);
  return k < 0 ? edges.length : k;
}

function quantileEdges(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('no values to fit bands on');
  const sorted = [...values].sort((a, b) => a - b);
  return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}
