import { baselineLength, baselineShape, enrollmentDecision, fitBaseline } from '@premonitor/ml';
import type { BaselineSpec, EnrollmentPolicy } from '@premonitor/ml';
import type { BaselineFeeds, OnnxScorer } from '../onnx/onnx-scorer.js';
import { fitLogisticCalibration } from '../evaluation/logistic-calibration.js';
import type { LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { quantile } from '../evaluation/roc.js';
import type { DeviceErrorMix } from './device-head.js';

/** One device's enrollment, as the services would run it. */
export interface EnrolledDevice {
  readonly baseline: Float32Array;
  /** Samples fitted. */
  readonly accepted: number;
  /** Samples the fleet model found anomalous and left out. */
  readonly rejected: number;
}

/** The policy evaluation uses: the fleet model's threshold; spacing comes from how the enrollment data was sampled. */
export const EVALUATION_POLICY: EnrollmentPolicy = { gate: 'fleet', maxFleetScore: 0.5, minIntervalMs: 0 };

/**
 * Enrolls every device the way the inference service and the edge agent do: its healthy
 * enrollment samples (in capture order) are scored against the fleet (`enrolled` = 0),
 * those the policy accepts give their `embedding`, and the first `spec.frames` of them are
 * fitted with `fitBaseline`. A device with too few accepted samples is left out.
 */
export async function enrollDevices(scorer: OnnxScorer, spec: BaselineSpec, samples: ReadonlyMap<string, readonly Float32Array[]>): Promise<Map<string, EnrolledDevice>> {
  const devices = new Map<string, EnrolledDevice>();
  for (const [device, items] of samples) {
    const out = await scorer.run(items, 64, noBaselines(spec, items.length));
    const embedding = out.extra['embedding']!;
    const fleet = out.extra['fleet_score']!;
    const accepted: Float32Array[] = [];
    let rejected = 0;
    for (let i = 0; i < items.length && accepted.length < spec.frames; i++) {
      if (enrollmentDecision(EVALUATION_POLICY, { fleetScore: fleet[i]!, at: i }, undefined) === 'accepted') accepted.push(embedding.slice(i * spec.embedding, (i + 1) * spec.embedding));
      else rejected++;
    }
    const minimum = spec.method === 'subspace' ? (spec.components ?? 0) + 2 : 2;
    if (accepted.length >= minimum) devices.set(device, { baseline: fitBaseline(spec, accepted), accepted: accepted.length, rejected });
  }
  return devices;
}

/** Feeds that score `count` items against the fleet. */
export function noBaselines(spec: BaselineSpec, count: number): BaselineFeeds {
  return { length: baselineLength(spec), shape: baselineShape(spec), perItem: new Array<undefined>(count) };
}

/** Feeds giving each item its device's baseline (`deviceOf(i)`), or none when the device was not enrolled. */
export function deviceBaselines(spec: BaselineSpec, devices: ReadonlyMap<string, EnrolledDevice>, count: number, deviceOf: (i: number) => string): BaselineFeeds {
  return { length: baselineLength(spec), shape: baselineShape(spec), perItem: Array.from({ length: count }, (_, i) => devices.get(deviceOf(i))?.baseline) };
}

/**
 * Fits the device head's mix and calibration from a probe model's raw `device_distance` and
 * `fleet_error` on healthy validation items: the medians make both terms ≈ 0 on a healthy
 * item, and the `normalQuantile` of the mixed error becomes score 0.5.
 */
export function fitDeviceCalibration(distance: readonly number[], fleetError: readonly number[], fleetWeight: number, normalQuantile: number): { mix: DeviceErrorMix; calibration: LogisticCalibration } {
  const mix = { deviceMedian: quantile(distance, 0.5), fleetMedian: quantile(fleetError, 0.5), fleetWeight };
  return { mix, calibration: fitLogisticCalibration(distance.map((d, i) => mixedDeviceError(mix, d, fleetError[i]!)), normalQuantile) };
}

/** TypeScript twin of the graph's device error (see `addScoreOutputs`). */
export function mixedDeviceError(mix: DeviceErrorMix, distance: number, fleetError: number): number {
  const term = (x: number, median: number): number => Math.log(Math.max(x, 1e-12) / median);
  return term(distance, mix.deviceMedian) + (mix.fleetWeight !== 0 ? mix.fleetWeight * term(fleetError, mix.fleetMedian) : 0);
}
