import { BaselineError, type DeviceThresholdSpec } from './baseline-spec.js';

/** A device's own threshold on its log device distance: `score = sigmoid((ln distance − center) / scale)`. */
export interface DeviceThreshold {
  /** ln distance that maps to score 0.5. */
  readonly center: number;
  /** ln-distance span of one logit: the device's pooled spread. */
  readonly scale: number;
}

/** Overrides of the model's threshold target, e.g. from a service's configuration. */
export type ThresholdTarget = Partial<Pick<DeviceThresholdSpec, 'framesPerDay' | 'falseAlarmsPerDay'>>;

/** What a device showed while it enrolled: frames it sent from its first sample to its last, and that span. */
export interface EnrollmentRate {
  /** Frames seen from the first sample on, the sample frames included. */
  readonly framesSeen: number;
  /** ms from the first sample's capture time to the last's. */
  readonly spanMs: number;
}

/** Frames per day of an enrollment, or undefined while its samples span no time. */
export function framesPerDayOf(rate: EnrollmentRate): number | undefined {
  return rate.framesSeen >= 2 && rate.spanMs > 0 ? ((rate.framesSeen - 1) * 86_400_000) / rate.spanMs : undefined;
}

/**
 * The false-alarm target of one device's threshold: `falseAlarmsPerDay` (else the model's) at
 * the frame rate the device showed while it enrolled (else the model's assumed rate). A device
 * sending fewer frames a day than twice the false alarms allowed gets that floor, so the
 * quantile stays inside (0, 1). The core's inference service and the edge agent both use it.
 */
export function deviceThresholdTarget(spec: DeviceThresholdSpec, rate: EnrollmentRate | undefined, falseAlarmsPerDay?: number): Required<ThresholdTarget> {
  const allowed = falseAlarmsPerDay ?? spec.falseAlarmsPerDay;
  const measured = rate ? framesPerDayOf(rate) : undefined;
  return { framesPerDay: Math.max(measured ?? spec.framesPerDay, 2 * allowed), falseAlarmsPerDay: allowed };
}

/**
 * ln of each enrollment sample's distance from the mean of the *other* samples, in the plain
 * mean-squared form the model uses on a whitened embedding. Leaving the sample out matters:
 * its distance from a mean it is part of would understate how far a new healthy sample lands.
 * `x − mean(others) = n / (n − 1) · (x − mean(all))`, so one pass suffices.
 */
export function leaveOneOutLogDistances(embeddings: readonly Float32Array[], mean: Float64Array): number[] {
  const n = embeddings.length;
  const d = mean.length;
  const factor = n / (n - 1);
  return embeddings.map((e) => {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (factor * (e[j]! - mean[j]!)) ** 2;
    return Math.log(Math.max(sum / d, 1e-12));
  });
}

/**
 * The device's threshold for a target false-alarm rate: ln distances of healthy samples are
 * taken as normal (a mean of many squared whitened values is close to log-normal); their
 * spread is the enrollment's own, pooled with the prior learnt on training machines —
 * `s² = ((n − 1)·s_device² + w·s_prior²) / (n − 1 + w)` — because a dozen samples cannot
 * estimate a tail on their own. The threshold is `mean + z·s` with `z` the standard normal
 * quantile of `1 − falseAlarmsPerDay / framesPerDay` (1 per day at 8,640 frames: z ≈ 3.68).
 */
export function fitDeviceThreshold(spec: DeviceThresholdSpec, logDistances: readonly number[], target: ThresholdTarget = {}): DeviceThreshold {
  const n = logDistances.length;
  if (n < 2) throw new BaselineError(`a device threshold needs at least 2 samples, got ${n}`);
  const framesPerDay = target.framesPerDay ?? spec.framesPerDay;
  const falseAlarmsPerDay = target.falseAlarmsPerDay ?? spec.falseAlarmsPerDay;
  if (!(framesPerDay > 0 && falseAlarmsPerDay > 0 && falseAlarmsPerDay < framesPerDay)) {
    throw new BaselineError(`false alarms per day (${falseAlarmsPerDay}) must be positive and below frames per day (${framesPerDay})`);
  }
  const mean = logDistances.reduce((a, v) => a + v, 0) / n;
  const own = logDistances.reduce((a, v) => a + (v - mean) ** 2, 0);
  const spread = Math.sqrt((own + spec.priorWeight * spec.priorSpread ** 2) / (n - 1 + spec.priorWeight));
  const z = standardNormalQuantile(1 - falseAlarmsPerDay / framesPerDay);
  return { center: mean + z * spread, scale: spread };
}

/**
 * The lowest ln distance a `subspace` device's own threshold may take, or −∞ without
 * `sharedQuantile`/`logDistanceAtThreshold`: the shared calibration's point (the `sharedQuantile`
 * of healthy validation frames, later than their cameras' enrollment) moved to the device's
 * target along the prior spread, `logDistanceAtThreshold + priorSpread · (z_target − z_shared)`.
 * An enrollment that saw a narrow load and ambient range gives a tight Gaussian tail; the floor
 * keeps its threshold where cameras measured after enrollment put it (issue 13: 4.6 % of healthy
 * frames above the unfloored own thresholds for a 1-a-day target, 3.3 % above the shared one).
 */
export function sharedThresholdFloor(spec: DeviceThresholdSpec, target: ThresholdTarget = {}): number {
  if (spec.sharedQuantile === undefined || spec.logDistanceAtThreshold === undefined) return Number.NEGATIVE_INFINITY;
  const framesPerDay = target.framesPerDay ?? spec.framesPerDay;
  const falseAlarmsPerDay = target.falseAlarmsPerDay ?? spec.falseAlarmsPerDay;
  const z = standardNormalQuantile(1 - falseAlarmsPerDay / framesPerDay);
  return spec.logDistanceAtThreshold + spec.priorSpread * (z - standardNormalQuantile(spec.sharedQuantile));
}

/**
 * Φ⁻¹(p) for 0 < p < 1 (Acklam's rational approximation, relative error < 1.2e-9): enough for
 * a threshold, and deterministic, so the core and the edge fit the same one.
 */
export function standardNormalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new BaselineError(`a probability strictly between 0 and 1 is needed, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -standardNormalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
