import { featureCount, historySteps, stepBases, writeInputWindow, type ForecasterSpec } from './forecaster-spec.js';

/** Supervised windows: `x [n, seq, features]`, `y [n, horizon]` (scaled departure from each step's base). */
export interface WindowSet {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Grid index of each window's last input step. */
  readonly origins: readonly number[];
}

/** Grid indices whose input window, base history and targets are all present, in time order. */
export function usableOrigins(spec: ForecasterSpec, columns: readonly ArrayLike<number>[], withTargets = true): number[] {
  const n = columns[0]!.length;
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) ok[i] = columns.every((c) => Number.isFinite(c[i]!)) ? 1 : 0;
  const origins: number[] = [];
  const target = columns[0]!;
  let run = 0;
  for (let i = 0; i < n; i++) {
    run = ok[i] ? run + 1 : 0;
    if (run < spec.sequenceLength) continue;
    if (i + 1 < historySteps(spec) || stepBases(spec, target, i).some((b) => !Number.isFinite(b))) continue;
    if (withTargets) {
      if (i + spec.horizon >= n) break;
      let targets = true;
      for (let h = 1; h <= spec.horizon && targets; h++) targets = Number.isFinite(target[i + h]!);
      if (!targets) continue;
    }
    origins.push(i);
  }
  return origins;
}

/** Builds the windows for `origins` (see {@link usableOrigins}). */
export function buildWindows(spec: ForecasterSpec, columns: readonly ArrayLike<number>[], start: number, origins: readonly number[]): WindowSet {
  const f = featureCount(spec);
  const per = spec.sequenceLength * f;
  const x = new Float32Array(origins.length * per);
  const y = new Float32Array(origins.length * spec.horizon);
  const target = columns[0]!;
  const std = spec.scaler.std[0]!;
  origins.forEach((o, w) => {
    writeInputWindow(spec, columns, start, o, x, w * per);
    const bases = stepBases(spec, target, o);
    for (let h = 1; h <= spec.horizon; h++) y[w * spec.horizon + h - 1] = (target[o + h]! - bases[h - 1]!) / std;
  });
  return { x, y, origins };
}

/**
 * Time-ordered split: the last `fraction` of the origins validate, and training keeps only
 * origins whose targets end before the first validation origin, so no validation value is
 * ever a training target. Never shuffled across the split.
 */
export function splitByTime(origins: readonly number[], horizon: number, fraction: number, minValidation: number): { train: number[]; validation: number[] } {
  const nVal = Math.max(minValidation, Math.floor(origins.length * fraction));
  const validation = origins.slice(origins.length - nVal);
  const firstVal = validation[0] ?? Number.POSITIVE_INFINITY;
  const train = origins.slice(0, origins.length - nVal).filter((o) => o + horizon < firstVal);
  return { train, validation };
}
