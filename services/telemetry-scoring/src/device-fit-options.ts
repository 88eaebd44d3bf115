import type { ConvAe1dConfig } from '@premonitor/ml/training';
import { DEFAULT_DEVICE_MODEL_OPTIONS, type DeviceModelOptions } from './device-model.js';

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

/** What `auto` compares, and how. */
export interface FamilyValidationOptions {
  /** Share of the enrollment rows at their end held out: each family is fitted on the rest and scored there. */
  readonly validationShare: number;
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
  validation: { validationShare: 0.25, run: 3 },
});

