import type { ConvAe1dConfig } from '@premonitor/ml/training';
import { ALARM_RUN, DEFAULT_DEVICE_MODEL_OPTIONS, type DeviceModelOptions } from './device-model.js';

// The settings of the off-thread fits, apart from the fitting code (device-model-fit.ts) so the
// service's thread never loads tfjs: only the fit worker does.

/** Which family a device's model is (`TELEMETRY_DEVICE_MODEL`); `auto` chooses by validation on the device's own enrollment rows. */
export type DeviceModelFamily = 'pca' | 'conv-ae' | 'auto';

/** The conv autoencoder's recipe per device (the SKAB Conv-AE recipe, small enough to fit in seconds on one core). */
export interface ConvAeFitOptions {
  /** Rows per window; a multiple of 4 (two pooling stages). */
  readonly windowSteps: number;
  readonly network: Omit<ConvAe1dConfig, 'steps' | 'channels'>;
  /** Train on every `trainStride`-th window (neighbours are near copies). */
  readonly trainStride: number;
  /**
   * Share of the enrollment rows at their end the autoencoder does not train on: its errors
   * there set the threshold (errors on its own training windows are optimistic).
   */
  readonly calibrationShare: number;
}

/** What `auto` measured on the held-out tail and why it kept the family it kept (device status `choice`). */
export interface FamilyChoice {
  readonly chosen: 'pca-t2q' | 'conv-ae';
  /** Held-out false alarm rate of each family (share of held-out rows flagged at its calibrated threshold and run rule). */
  readonly falseAlarmRate: { readonly pca: number; readonly convAe: number };
  /** Held-out rows (the enrollment's tail); the fits saw only the rows before them. */
  readonly rows: number;
  readonly reason: string;
}

/** What `auto` compares, and how. */
export interface FamilyValidationOptions {
  /** Share of the enrollment rows at their end held out: each family is fitted on the rest and scored there. */
  readonly validationShare: number;
  /**
   * Fewest held-out rows, whatever the share (a false alarm rate on 100 rows is one or two
   * runs of flags: too few to rank two families). Capped at half the enrollment rows, so the
   * fits keep at least the other half.
   */
  readonly minValidationRows: number;
  /**
   * Held-out false alarm rates closer than this (a share, 0.02 = 2 points) are a tie, and a tie
   * keeps PCA: it costs a thousandth of the autoencoder's scoring time and fits in place.
   */
  readonly tieFalseAlarmRate: number;
  /** A held-out row counts as a false alarm after this many abnormal windows in a row (fusion's telemetry rule). */
  readonly run: number;
}

export interface DeviceFitOptions {
  readonly pca: DeviceModelOptions;
  readonly convAe: ConvAeFitOptions;
  readonly validation: FamilyValidationOptions;
}

export const DEFAULT_DEVICE_FIT_OPTIONS: DeviceFitOptions = Object.freeze({
  pca: DEFAULT_DEVICE_MODEL_OPTIONS,
  convAe: { windowSteps: 60, network: { filters: [16, 8] as [number, number], kernel: 7, epochs: 20, batchSize: 32, learningRate: 3e-3, seed: 1 }, trainStride: 2, calibrationShare: 0.25 },
  validation: { validationShare: 0.25, minValidationRows: 200, tieFalseAlarmRate: 0.02, run: ALARM_RUN },
});

