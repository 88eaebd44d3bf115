import { z } from 'zod';
import type { Scaler } from '../series/scaler.js';
import { baseLookback, baseValue, PERSISTENCE, type BaseTerm } from './seasonal-base.js';

const DAY_MS = 86_400_000;

/**
 * Everything besides the weights that turns readings into model input and model output
 * into values: stored with every model (registry metadata) so prediction after a restart
 * windows and scales exactly as training did.
 */
export interface ForecasterSpec {
  /** The sensor being forecast. */
  readonly targetKey: string;
  /** Sensors fed to the model, target first (more than one: the multivariate option). */
  readonly inputKeys: readonly string[];
  readonly sequenceLength: number;
  readonly horizon: number;
  /** Grid step the readings are resampled to. */
  readonly stepMs: number;
  /** Gaps up to this many steps are interpolated. */
  readonly maxGapSteps: number;
  /** Adds sin/cos of the time of day (UTC) as two more inputs. */
  readonly calendar: boolean;
  /** Standardisation per input key. */
  readonly scaler: Scaler;
  /** Nominal coverage of the intervals. */
  readonly intervalLevel: number;
  /** Interval half-width per step, in the target's units (conformal on validation). */
  readonly halfWidths: readonly number[];
  /**
   * When present, the intervals scale with the input window instead: half-width of step h
   * = `localHalfWidths[h]` × {@link localScale} of the window. Chosen on validation when it
   * tracks changing volatility better than the fixed {@link halfWidths}.
   */
  readonly localHalfWidths?: readonly number[];
  /** Limits used when none are configured: where normal operation in the training span ends (`risk/operating-limits.ts`). */
  readonly defaultLimits: { readonly low: number; readonly high: number };
  /**
   * The training settings the model was made with, so an automatic retrain repeats them.
   * Absent in models stored before it: their retrain takes the service's defaults.
   */
  readonly training?: TrainingSettings;
  /**
   * Per step, the base forecast the network's output is added to (chosen on the training
   * windows, see `seasonal-base.ts`). Absent: persistence, as in models stored before it.
   */
  readonly base?: readonly BaseTerm[];
}

/** Training settings stored with a model (besides the windowing already in the spec). */
export interface TrainingSettings {
  readonly units: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
}

/** Zod mirror of {@link ForecasterSpec}, for metadata read back from storage. */
export const forecasterSpecSchema = z.object({
  targetKey: z.string(),
  inputKeys: z.array(z.string()).min(1),
  sequenceLength: z.number().int().positive(),
  horizon: z.number().int().positive(),
  stepMs: z.number().positive(),
  maxGapSteps: z.number().int().nonnegative(),
  calendar: z.boolean(),
  scaler: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  intervalLevel: z.number().gt(0).lt(1),
  halfWidths: z.array(z.number()),
  localHalfWidths: z.array(z.number()).optional(),
  defaultLimits: z.object({ low: z.number(), high: z.number() }),
  training: z.object({ units: z.number().int().positive(), epochs: z.number().int().positive(), batchSize: z.number().int().positive(), patience: z.number().int().positive() }).optional(),
  base: z
    .array(
      z.union([
        z.object({ kind: z.enum(['mean', 'median']), period: z.number().int().positive(), count: z.number().int().positive() }),
        z.object({ kind: z.literal('trend'), count: z.number().int().min(2), damping: z.number() }),
        z.object({ kind: z.literal('linear'), lags: z.number().int().positive(), kernel: z.number().int().positive(), season: z.number().int().nonnegative(), center: z.number(), weights: z.array(z.number()) }),
      ]),
    )
    .optional(),
});

/** Inputs per time step. */
export function featureCount(spec: Pick<ForecasterSpec, 'inputKeys' | 'calendar'>): number {
  return spec.inputKeys.length + (spec.calendar ? 2 : 0);
}

/**
 * Writes the `[sequenceLength, features]` input window that ends at grid index `end`
 * into `out` at `offset`. Returns false (leaving garbage) when a value is missing.
 * `columns[k]` are the aligned series of `inputKeys[k]`, `start` the grid's first time.
 */
export function writeInputWindow(
  spec: ForecasterSpec,
  columns: readonly ArrayLike<number>[],
  start: number,
  end: number,
  out: Float32Array,
  offset: number,
): boolean {
  const f = featureCount(spec);
  const first = end - spec.sequenceLength + 1;
  if (first < 0) return false;
  for (let t = 0; t < spec.sequenceLength; t++) {
    const i = first + t;
    const base = offset + t * f;
    for (let k = 0; k < spec.inputKeys.length; k++) {
      const v = columns[k]![i]!;
      if (!Number.isFinite(v)) return false;
      out[base + k] = (v - spec.scaler.mean[k]!) / spec.scaler.std[k]!;
    }
    if (spec.calendar) {
      const phase = (2 * Math.PI * ((start + i * spec.stepMs) % DAY_MS)) / DAY_MS;
      out[base + spec.inputKeys.length] = Math.sin(phase);
      out[base + spec.inputKeys.length + 1] = Math.cos(phase);
    }
  }
  return true;
}

/**
 * Model outputs are the departure from each step's base forecast (persistence, a smoothed
 * level or a seasonal mean) in target standard deviations, one per step (direct multi-step):
 * predicting the departure rather than the level makes the base the easy default, so the
 * model starts at the base and only learns what beats it.
 */
export function outputToValue(spec: ForecasterSpec, base: number, output: number): number {
  return base + output * spec.scaler.std[0]!;
}

/** The base forecast of every step from origin `o` of the target (NaN where history is missing). */
export function stepBases(spec: Pick<ForecasterSpec, 'horizon' | 'base'>, target: ArrayLike<number>, o: number): number[] {
  return Array.from({ length: spec.horizon }, (_, i) => baseValue(target, o, i + 1, spec.base?.[i] ?? PERSISTENCE));
}

/** Steps of history one forecast reads: its input window, or as far back as its base reaches. */
export function historySteps(spec: Pick<ForecasterSpec, 'sequenceLength' | 'base'>): number {
  return Math.max(spec.sequenceLength, baseLookback(spec.base ?? []) + 1);
}

/**
 * The target's recent volatility at grid index `end`: mean absolute step-to-step change over
 * the input window, plus 1 % of the training std so a flat window still gets an interval.
 * NaN when a value is missing.
 */
export function localScale(spec: Pick<ForecasterSpec, 'sequenceLength' | 'scaler'>, target: ArrayLike<number>, end: number): number {
  let sum = 0;
  for (let i = end - spec.sequenceLength + 2; i <= end; i++) sum += Math.abs(target[i]! - target[i - 1]!);
  return sum / (spec.sequenceLength - 1) + 0.01 * spec.scaler.std[0]!;
}
