import type { ForecastGateDecision } from './forecast-gate.js';
import { SeededRandom } from '@premonitor/ml/data';
import { InsufficientHistoryError } from '../errors.js';
import type { AlignedSeries } from '../series/align-series.js';
import { fitScaler } from '../series/scaler.js';
import { DEFAULT_NORMAL_RANGE_RULE, normalOperatingLimits, type NormalRangeRule } from '../risk/operating-limits.js';
import { featureCount, localScale, type ForecasterSpec } from './forecaster-spec.js';
import { calibrateHalfWidths, heldOutCoverage } from './intervals.js';
import { baseValue, type BaseTerm, candidatePeriods, candidateTerms, chooseBase, isPersistence, PERSISTENCE } from './seasonal-base.js';
import { buildWindows, splitByTime, usableOrigins } from './training-windows.js';
import { seasonOf, selectForecaster, simpleTerms, type ForecasterKind, type ForecasterSelection } from './select-forecaster.js';
import { LstmKernel } from '../kernel/lstm-kernel.js';
import { fitLstm } from './fit-lstm.js';
import { LstmNetwork } from './lstm-network.js';

/** Hyper-parameters of one training run. */
export interface TrainOptions {
  readonly sequenceLength: number;
  readonly horizon: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly units: number;
  /** Epochs without a better validation loss before stopping (default 5). */
  readonly patience: number;
  /** Share of the usable windows, latest in time, used for validation (default 0.2). */
  readonly validationFraction: number;
  /** Fewest training windows accepted; below this training is refused. */
  readonly minTrainingWindows: number;
  readonly intervalLevel: number;
  readonly learningRate: number;
  /** `auto`: time-of-day inputs when the step is between 1 min and 1 h. */
  readonly calendar: boolean | 'auto';
  /** How the model's default operating limits are read off the training span (`risk/operating-limits.ts`). */
  readonly normalRange: NormalRangeRule;
  /**
   * Seeds weight initialisation and batch order. The service's default is fixed
   * ({@link DEFAULT_SEED}), so the same history gives the same model; absent: a random seed.
   */
  readonly seed?: number;
  readonly maxGapSteps: number;
  /**
   * Chooses each step's base forecast (persistence, a smoothed level or a seasonal mean) on
   * the training windows; false: persistence for every step.
   */
  readonly seasonalBase: boolean;
  /**
   * `auto`: choose between persistence, seasonal-naive, the linear model and the LSTM by
   * rolling-origin validation inside the training span (`select-forecaster.ts`); else that one.
   */
  readonly forecaster: 'auto' | ForecasterKind;
  /** Rolling-origin folds of the choice (fewer on short histories). */
  readonly selectionFolds: number;
  /** Season of seasonal-naive (and the linear model's seasonal input) in steps; 0: detected. */
  readonly season: number;
}

/** The service's fixed default seed: training is reproducible unless a seed is configured. */
export const DEFAULT_SEED = 42;

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = Object.freeze({
  sequenceLength: 30,
  horizon: 12,
  epochs: 50,
  batchSize: 32,
  units: 32,
  patience: 5,
  validationFraction: 0.2,
  minTrainingWindows: 50,
  intervalLevel: 0.9,
  learningRate: 0.003,
  calendar: 'auto',
  normalRange: DEFAULT_NORMAL_RANGE_RULE,
  maxGapSteps: 5,
  seasonalBase: true,
  seed: DEFAULT_SEED,
  forecaster: 'auto',
  selectionFolds: 3,
  season: 0,
});

/** Share of the usable windows, latest in time, the selection's folds cover together. */
const SELECTION_FRACTION = 0.3;
/** A fitted candidate (linear, LSTM) must beat the best simpler one by this share. */
const SELECTION_MARGIN = 0.02;

/** Validation figures of a trained forecaster, in the target's units. */
export interface ForecastMetrics {
  readonly valMae: number;
  readonly valRmse: number;
  readonly valMaeAtHorizon: number;
  readonly valMaePerStep: readonly number[];
  readonly persistenceMaeAtHorizon: number;
  /** Held-out coverage of the intervals on validation (calibrated on its first half). */
  readonly intervalCoverage: number;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  /** Per step, the factor the network's departure from the base was shrunk by (1: none). */
  readonly shrinkage: readonly number[];
  /** Validation MAE of the network on the chosen base and on persistence, when they differ (the lower one is kept). */
  readonly baseComparison?: { readonly base: number; readonly persistence: number };
  readonly trainWindows: number;
  readonly validationWindows: number;
  /** Time (ms) of the first validation origin: the default limits and the scaler were fitted before it. */
  readonly validationStart: number;
  readonly trainSeconds: number;
  /** The forecaster this model is: chosen by rolling-origin validation, or fixed by the options (absent in models stored before the choice: LSTM). */
  readonly chosen?: ForecasterKind;
  /** How it was chosen (absent when the options fixed it). */
  readonly selection?: ForecasterSelection;
  /** The forecast gate's verdict against the production forecaster (set when it is stored). */
  readonly gate?: ForecastGateDecision;
}

/** A trained network with what it needs to be exported and used. */
export interface TrainedForecaster {
  readonly model: LstmNetwork;
  readonly spec: ForecasterSpec;
  readonly metrics: ForecastMetrics;
}

/**
 * Trains LSTM(units) → Dense(horizon) on one aligned series: windows of the last
 * `sequenceLength` steps predict the next `horizon` changes directly. Early stopping on a
 * time-ordered validation split restores the best epoch's weights; the validation residuals
 * then calibrate the per-step intervals.
 */
export async function trainForecaster(series: AlignedSeries, inputKeys: readonly string[], options: TrainOptions, now: () => number = Date.now): Promise<TrainedForecaster> {
  const started = now();
  const calendar = options.calendar === 'auto' ? series.stepMs >= 60_000 && series.stepMs <= 3_600_000 : options.calendar;
  const draft: ForecasterSpec = {
    targetKey: inputKeys[0]!,
    inputKeys,
    sequenceLength: options.sequenceLength,
    horizon: options.horizon,
    stepMs: series.stepMs,
    maxGapSteps: options.maxGapSteps,
    calendar,
    scaler: { mean: [], std: [] },
    intervalLevel: options.intervalLevel,
    halfWidths: [],
    defaultLimits: { low: 0, high: 0 },
    training: { units: options.units, epochs: options.epochs, batchSize: options.batchSize, patience: options.patience },
  };
  const origins = usableOrigins(draft, series.columns);
  const minValidation = 10;
  const needWindows = options.minTrainingWindows + minValidation;
  if (origins.length < needWindows) {
    const need = options.sequenceLength + options.horizon + needWindows - 1;
    throw new InsufficientHistoryError(
      `${draft.targetKey} has ${origins.length} usable window(s) at a ${series.stepMs / 1000} s step; training needs at least ${need} consecutive readings ` +
        `(sequence_length ${options.sequenceLength} + forecast_horizon ${options.horizon} + ${needWindows - 1}), with gaps of at most ${options.maxGapSteps} steps`,
      origins.length + options.sequenceLength + options.horizon - 1,
      need,
    );
  }
  const split = splitByTime(origins, options.horizon, options.validationFraction, minValidation);
  // Scale on the training span only, so validation stays unseen.
  const trainEnd = (split.train[split.train.length - 1] ?? 0) + options.horizon + 1;
  const scaler = fitScaler(series.columns.map((c) => c.subarray(0, trainEnd)));
  const common: ForecasterSpec = {
    ...draft,
    scaler,
    defaultLimits: normalOperatingLimits(series.columns[0]!.subarray(0, trainEnd), options.normalRange, scaler.std[0]!),
  };
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const selection =
    options.forecaster === 'auto'
      ? await selectForecaster(
          series,
          origins,
          { horizon: options.horizon, sequenceLength: options.sequenceLength, folds: options.selectionFolds, fraction: SELECTION_FRACTION, season: options.season, margin: SELECTION_MARGIN },
          (cut) => trainForecaster(cut, inputKeys, { ...options, forecaster: 'lstm', seed }, now),
        )
      : undefined;
  const chosen = selection?.chosen ?? (options.forecaster as ForecasterKind);
  const variant = chosen === 'lstm' ? await fitNetwork(draft, common, series, split, trainEnd, options, seed) : fitSimple(chosen, common, series, split, trainEnd, options, seed);
  const { spec, model, fit, shrinkage, residuals, train, validation } = variant;

  const target = series.columns[0]!;
  let absPersist = 0;
  for (const o of validation) absPersist += Math.abs(target[o + spec.horizon]! - target[o]!);
  const maePerStep = residuals.map((r) => mean(r.map(Math.abs)));
  const all = residuals.flat();
  // Intervals: fixed conformal half-widths, or residuals normalised by the window's local
  // volatility (locally adaptive conformal); whichever holds its nominal level better on the
  // later half of validation when calibrated on the earlier half.
  const halfWidths = calibrateHalfWidths(residuals, options.intervalLevel);
  const scales = validation.map((o) => localScale(spec, series.columns[0]!, o));
  const normalised = residuals.map((r) => r.map((e, w) => e / scales[w]!));
  const fixedCoverage = heldOutCoverage(residuals, options.intervalLevel);
  const localCoverage = heldOutCoverage(normalised, options.intervalLevel);
  const useLocal = Math.abs(localCoverage - options.intervalLevel) < Math.abs(fixedCoverage - options.intervalLevel);
  const localHalfWidths = useLocal ? calibrateHalfWidths(normalised, options.intervalLevel) : undefined;
  const metrics: ForecastMetrics = {
    valMae: mean(all.map(Math.abs)),
    valRmse: Math.sqrt(mean(all.map((e) => e * e))),
    valMaeAtHorizon: maePerStep[spec.horizon - 1]!,
    valMaePerStep: maePerStep,
    persistenceMaeAtHorizon: absPersist / validation.length,
    intervalCoverage: useLocal ? localCoverage : fixedCoverage,
    epochsRun: fit.epochsRun,
    bestEpoch: fit.bestEpoch,
    shrinkage,
    ...(variant.baseComparison ? { baseComparison: variant.baseComparison } : {}),
    trainWindows: train.length,
    validationWindows: validation.length,
    validationStart: series.start + validation[0]! * series.stepMs,
    trainSeconds: (now() - started) / 1000,
    chosen: variant.kind,
    ...(selection ? { selection } : {}),
  };
  return { model, spec: { ...spec, halfWidths, ...(localHalfWidths ? { localHalfWidths } : {}) }, metrics };
}

/**
 * The LSTM on each step's base (chosen on the training windows). The base was chosen without
 * the network; whether the network does better on top of it than on top of persistence is
 * decided on validation (same windows for both).
 */
async function fitNetwork(draft: ForecasterSpec, common: ForecasterSpec, series: AlignedSeries, split: { train: number[]; validation: number[] }, trainEnd: number, options: TrainOptions, seed: number) {
  const { base, train, validation } = await chooseStepBases(draft, series, split, trainEnd, options);
  const withBase = await fitVariant({ ...common, base }, series, train, validation, options, seed);
  const persistence = isPersistence(base) ? withBase : await fitVariant({ ...common, base: base.map(() => PERSISTENCE) }, series, train, validation, options, seed);
  const best = persistence.valMae < withBase.valMae ? persistence : withBase;
  return { ...best, kind: 'lstm' as ForecasterKind, train, validation, baseComparison: isPersistence(base) ? undefined : { base: withBase.valMae, persistence: persistence.valMae } };
}

/**
 * A simple forecaster as a model of the same shape: its forecast is the spec's base (fitted on
 * the training windows), and the exported network's output layer is zero, so the ONNX file
 * and every prediction path stay the same. Validation residuals calibrate the intervals as for
 * the network. Falls back to persistence when the candidate cannot be fitted on this span.
 */
function fitSimple(kind: Exclude<ForecasterKind, 'lstm'>, common: ForecasterSpec, series: AlignedSeries, split: { train: number[]; validation: number[] }, trainEnd: number, options: TrainOptions, seed: number) {
  const target = series.columns[0]!;
  const season = seasonOf(target, trainEnd, series.stepMs, options.season);
  const fitted = simpleTerms(kind, target, split.train, { horizon: options.horizon, sequenceLength: options.sequenceLength, season });
  let usable = new Set(usableOrigins({ ...common, base: fitted ?? [] }, series.columns));
  let terms: readonly BaseTerm[];
  if (!fitted || split.validation.filter((o) => usable.has(o)).length < 10) {
    kind = 'persistence';
    terms = Array.from({ length: options.horizon }, () => PERSISTENCE);
    usable = new Set(split.validation);
  } else terms = fitted;
  const spec: ForecasterSpec = { ...common, base: terms };
  const validation = split.validation.filter((o) => usable.has(o));
  const model = LstmNetwork.initialise({ sequenceLength: spec.sequenceLength, features: featureCount(spec), units: options.units, horizon: spec.horizon }, new SeededRandom(seed));
  const shrinkage = terms.map(() => 0);
  model.scaleOutputs(shrinkage);
  const residuals = terms.map((term, i) => validation.map((o) => target[o + i + 1]! - baseValue(target, o, i + 1, term)));
  return { kind: kind as ForecasterKind, spec, model, fit: { epochsRun: 0, bestEpoch: 0 }, shrinkage, residuals, train: split.train, validation, baseComparison: undefined };
}

/** One network trained on `spec`'s base, shrunk on validation, with its validation residuals in target units. */
async function fitVariant(spec: ForecasterSpec, series: AlignedSeries, train: readonly number[], validation: readonly number[], options: TrainOptions, seed: number) {
  const tr = buildWindows(spec, series.columns, series.start, train);
  const va = buildWindows(spec, series.columns, series.start, validation);
  const random = new SeededRandom(seed);
  const model = LstmNetwork.initialise({ sequenceLength: spec.sequenceLength, features: featureCount(spec), units: options.units, horizon: spec.horizon }, random);
  const fit = await fitLstm(model, { x: tr.x, y: tr.y, count: train.length }, { x: va.x, y: va.y, count: validation.length }, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    patience: options.patience,
    random,
  });
  // Validation outputs from the kernel: the float64 reference is ~10× slower, which on a long
  // history would hold the event loop for a noticeable while.
  const kernel = new LstmKernel(model.shape);
  const windows = kernel.upload(va.x, va.y, validation.length);
  kernel.setParams(model.params);
  const shrinkage = chooseShrinkage(kernel.predict(windows), va.y, spec.horizon);
  model.scaleOutputs(shrinkage);
  kernel.setParams(model.params);
  const predicted = kernel.predict(windows);
  // Residuals in target units: the scaled departure times std.
  const std = spec.scaler.std[0]!;
  const residuals: number[][] = Array.from({ length: spec.horizon }, (_, h) => Array.from({ length: validation.length }, (_, w) => (va.y[w * spec.horizon + h]! - predicted[w * spec.horizon + h]!) * std));
  return { spec, model, fit, shrinkage, residuals, valMae: mean(residuals.flat().map(Math.abs)) };
}

/**
 * Each step's base (see `seasonal-base.ts`), chosen on the training windows only so the
 * validation windows stay unseen for early stopping, shrinkage and intervals. Candidate
 * periods come from the training span; a base may reach back at most a quarter of it.
 * Windows whose base history is missing are dropped; if that leaves too few training
 * windows, persistence it is.
 */
async function chooseStepBases(draft: ForecasterSpec, series: AlignedSeries, split: { train: number[]; validation: number[] }, trainEnd: number, options: TrainOptions) {
  if (!options.seasonalBase) return { base: Array.from({ length: draft.horizon }, () => PERSISTENCE), ...split };
  const target = series.columns[0]!;
  const maxLookback = Math.floor(trainEnd / 4);
  const periods = candidatePeriods(target.subarray(0, trainEnd), series.stepMs, maxLookback);
  const base = await chooseBase(target, split.train, draft.horizon, candidateTerms(periods), maxLookback);
  const usable = new Set(usableOrigins({ ...draft, base }, series.columns));
  const train = split.train.filter((o) => usable.has(o));
  const validation = split.validation.filter((o) => usable.has(o));
  if (train.length < options.minTrainingWindows || validation.length < 10) return { base: Array.from({ length: draft.horizon }, () => PERSISTENCE), ...split };
  return { base, train, validation };
}

/**
 * Shrinkage toward the base, per step: the factor in 0, 0.05, …, 1 by which scaling the
 * predicted departure from the base gives the lowest validation MAE. Where the network's
 * departures are mostly noise the factor goes to 0 (the base alone); where
 * the network has learned something it stays near 1. Chosen on validation, never on test.
 */
function chooseShrinkage(predicted: ArrayLike<number>, actual: ArrayLike<number>, horizon: number): number[] {
  const count = actual.length / horizon;
  return Array.from({ length: horizon }, (_, h) => {
    let best = { factor: 1, mae: Number.POSITIVE_INFINITY };
    for (let step = 20; step >= 0; step--) {
      const factor = step / 20;
      let sum = 0;
      for (let w = 0; w < count; w++) sum += Math.abs(actual[w * horizon + h]! - factor * predicted[w * horizon + h]!);
      if (sum < best.mae) best = { factor, mae: sum };
    }
    return best.factor;
  });
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
