import { applyScaler, fitPcaT2Q, fitStandardScaler, pointStatistics, residualThreshold, slidingWindows } from '@premonitor/ml';
import type { PcaT2Q, StandardScaler } from '@premonitor/ml';
import type * as tf from '@tensorflow/tfjs';
import { convAeErrors, trainConvAe1d } from '@premonitor/ml/training';
import type { ConvAe1dConfig } from '@premonitor/ml/training';
import { selectColumns } from './channel-selection.js';
import type { ChannelChoice, ChannelSet } from './channel-selection.js';

/**
 * A model family as the validation sees it: which channels it reads (`all`, or `fast`: without
 * the slow drifters, see `channelSelection`), then `pca-t2q/<smooth>` or `conv-ae`.
 */
export type FamilyName = `${ChannelSet}/pca-t2q/${number}` | `${ChannelSet}/conv-ae` | `${ChannelSet}/ensemble`;

/** Settings shared by every family fitted to one series. */
export interface DetectorPlan {
  /** Rows per window (60, the SKAB Conv-AE recipe). */
  readonly steps: number;
  /** Smoothing spans of the PCA family tried by the validation. */
  readonly pcaSmooth: readonly number[];
  /** Share of variance the PCA keeps. */
  readonly explained: number;
  /** Quantile of the training errors the errors are divided by. */
  readonly quantile: number;
  /** `fast` drops channels whose median lag-1 autocorrelation in training exceeds this (see `channelChoices`). */
  readonly maxLag1: number;
  readonly convAe: Omit<ConvAe1dConfig, 'steps' | 'channels'>;
  /** Train the conv AE on every `trainStride`-th window (neighbours are near copies). */
  readonly trainStride: number;
  /**
   * Share of the healthy span at its end that the autoencoder does not train on: its errors
   * there set the normalising quantile, because errors on its own training windows are
   * optimistic by an amount that varies from run to run.
   */
  readonly calibrationShare: number;
}

/** One family fitted to the healthy start of a series, with the errors of every window of the series. */
export interface FittedFamily {
  readonly family: FamilyName;
  /** Error of the window ending at each row, ÷ the training quantile; NaN for the first `steps − 1` rows. */
  readonly normalised: Float64Array;
  /** The training quantile (the error at normalised 1). */
  readonly scale: number;
}

/** The fitted pieces of one channel set, from which a graph is built. */
export interface FittedChannelSet {
  readonly set: ChannelSet;
  /** Indices of the channels read, in order. */
  readonly channels: readonly number[];
  readonly scaler: StandardScaler;
  readonly pca: PcaT2Q;
  readonly convAe?: tf.Sequential;
}

/** What {@link fitFamilies} returns: every family's errors and the fitted pieces per channel set. */
export interface FittedModels {
  readonly sets: readonly FittedChannelSet[];
  readonly families: readonly FittedFamily[];
}

/** Which families to fit: on which channel sets, and whether the autoencoder too (not for univariate NAB runs). */
export interface FitScope {
  readonly withConvAe: boolean;
  readonly sets: readonly ChannelChoice[];
}

/**
 * Fits every family on rows `[0, trainRows)` of the row-major series and scores every window
 * of the whole series (causal: the window ending at row t holds rows t − steps + 1 … t).
 */
export async function fitFamilies(rows: Float32Array, channels: number, trainRows: number, plan: DetectorPlan, seed: number, scope: FitScope): Promise<FittedModels> {
  const n = rows.length / channels;
  const sets: FittedChannelSet[] = [];
  const families: FittedFamily[] = [];
  for (const { set, channels: kept } of scope.sets) {
    const c = kept.length;
    const picked = selectColumns(rows, channels, kept);
    const scaler = fitStandardScaler(picked.subarray(0, trainRows * c), c);
    const scaled = applyScaler(scaler, picked);
    const pca = fitPcaT2Q(scaler, scaled.subarray(0, trainRows * c), { explained: plan.explained });
    const { t2, q } = pointStatistics(pca, scaled);
    const point = Float64Array.from(t2, (v, i) => v / pca.t2Mean + q[i]! / pca.qMean);
    for (const smooth of plan.pcaSmooth) {
      const errors = new Float64Array(n).fill(Number.NaN);
      let sum = 0;
      for (let t = 0; t < n; t++) {
        sum += point[t]!;
        if (t >= smooth) sum -= point[t - smooth]!;
        if (t >= plan.steps - 1) errors[t] = sum / smooth;
      }
      families.push(normalise(`${set}/pca-t2q/${smooth}`, errors, trainRows, plan));
    }
    let convAe: tf.Sequential | undefined;
    if (scope.withConvAe) {
      const fitRows = Math.max(plan.steps, Math.round(trainRows * (1 - plan.calibrationShare)));
      const trainWindows = slidingWindows(scaled.subarray(0, fitRows * c), c, plan.steps, plan.trainStride);
      convAe = (await trainConvAe1d(trainWindows, { ...plan.convAe, steps: plan.steps, channels: c, seed })).model;
      const errors = new Float64Array(n).fill(Number.NaN);
      errors.set(convAeErrors(convAe, slidingWindows(scaled, c, plan.steps), plan.steps, c), plan.steps - 1);
      const ae = normalise(`${set}/conv-ae`, errors, trainRows, plan, fitRows < trainRows ? fitRows : plan.steps - 1);
      families.push(ae);
      // The ensemble: the mean of the autoencoder's and the smoothest PCA's normalised errors.
      const pcaFamily = families.find((f) => f.family === `${set}/pca-t2q/${Math.max(...plan.pcaSmooth)}`)!;
      families.push({ family: `${set}/ensemble`, normalised: ae.normalised.map((e, i) => (e + pcaFamily.normalised[i]!) / 2), scale: 1 });
    }
    sets.push({ set, channels: kept, scaler, pca, convAe });
  }
  return { sets, families };
}

/** Frees the autoencoders' tensors. */
export function disposeFitted(models: FittedModels): void {
  for (const m of new Set(models.sets.map((s) => s.convAe))) m?.dispose();
}

function normalise(family: FamilyName, errors: Float64Array, trainRows: number, plan: DetectorPlan, from = plan.steps - 1): FittedFamily {
  const scale = Math.max(residualThreshold(errors.subarray(from, trainRows), plan.quantile, 1), 1e-12);
  return { family, normalised: errors.map((e) => e / scale), scale };
}
