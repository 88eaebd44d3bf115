import { z } from 'zod';
import { ID_PATTERN } from './ids.js';
import { safeText } from './safe-text.js';

/** Bounds of a vibration window: a few hundred samples of a handful of axes, like an IMU's burst. */
export const VIBRATION_LIMITS = Object.freeze({
  minSamples: 16,
  maxSamples: 4_096,
  maxChannels: 16,
  /** Most values in one window (samples × channels): 64 Ki, ~0.5–1 MiB as JSON. */
  maxValues: 65_536,
  maxSampleRateHz: 100_000,
  /** Largest magnitude accepted, in the window's unit (g for accelerometers): beyond any real sensor, below float32 overflow. */
  maxAbsValue: 1_000,
});

/**
 * One window of multichannel vibration (or IMU) samples taken at one rate, e.g. 200 samples ×
 * x, y, z at 200 Hz: `samples[i][c]` is sample i of channel `channels[c]`, oldest first; `ts` is
 * the device time of the first sample. Validation refuses a ragged or wrongly sized window, a
 * rate out of range, repeated channel names and non-finite or implausible values, naming the
 * sample and channel. The same contract serves an MQTT payload, a bus event and the edge.
 */
const windowFields = {
  ts: z.number().int('must be an integer (ms since epoch)').nonnegative(),
  seq: z.number().int().nonnegative().max(0xffff_ffff),
  sampleRateHz: z.number().positive('must be > 0').max(VIBRATION_LIMITS.maxSampleRateHz, `must be ≤ ${VIBRATION_LIMITS.maxSampleRateHz}`),
  channels: z
    .array(safeText(32, 1))
    .min(1)
    .max(VIBRATION_LIMITS.maxChannels)
    .refine((c) => new Set(c).size === c.length, 'channel names must be unique'),
  samples: z.array(z.array(z.number())).min(VIBRATION_LIMITS.minSamples).max(VIBRATION_LIMITS.maxSamples),
};

/** Refuses a window too large, ragged, or holding an implausible value, naming the sample and channel. */
function checkWindow(w: { channels: readonly string[]; samples: readonly (readonly number[])[] }, ctx: z.RefinementCtx): void {
  const width = w.channels.length;
  if (w.samples.length * width > VIBRATION_LIMITS.maxValues) {
    ctx.addIssue({ code: 'custom', path: ['samples'], message: `holds ${w.samples.length} × ${width} values, more than ${VIBRATION_LIMITS.maxValues}` });
    return;
  }
  for (let i = 0; i < w.samples.length; i++) {
    const row = w.samples[i]!;
    if (row.length !== width) {
      ctx.addIssue({ code: 'custom', path: ['samples', i], message: `sample ${i} has ${row.length} values, expected one per channel (${width})` });
      return;
    }
    for (let c = 0; c < width; c++) {
      if (Math.abs(row[c]!) > VIBRATION_LIMITS.maxAbsValue) {
        ctx.addIssue({ code: 'custom', path: ['samples', i, c], message: `sample ${i} of channel ${w.channels[c]} is ${row[c]}, beyond ±${VIBRATION_LIMITS.maxAbsValue}` });
        return;
      }
    }
  }
}

/**
 * One window of multichannel vibration (or IMU) samples taken at one rate, e.g. 200 samples ×
 * x, y, z at 200 Hz: `samples[i][c]` is sample i of channel `channels[c]`, oldest first; `ts` is
 * the device time of the first sample. Validation refuses a ragged or wrongly sized window, a
 * rate out of range, repeated channel names and non-finite or implausible values, naming the
 * sample and channel. A device publishes it on its telemetry topic (a payload with `samples`
 * is a window, one with `readings` scalar readings); the edge agent scores the same contract.
 */
export const vibrationWindowMessage = z.strictObject(windowFields).superRefine(checkWindow);
export type VibrationWindowMessage = z.infer<typeof vibrationWindowMessage>;

/** `pm.frames.vibration.{site}.{device}`: a device's window as ingest accepted it, with the device from the topic. */
export const vibrationWindowEvent = z
  .strictObject({ site: z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}'), device: z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}'), ...windowFields, receivedAt: windowFields.ts })
  .superRefine(checkWindow);
export type VibrationWindowEvent = z.infer<typeof vibrationWindowEvent>;

/** True when a parsed telemetry payload is a vibration window rather than scalar readings (it has `samples`). */
export function isVibrationWindowPayload(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'samples' in json;
}

/** What a window model expects (its metadata's `window` contract and rate). */
export interface VibrationWindowShape {
  readonly channels: readonly string[];
  readonly steps: number;
  readonly sampleRateHz: number;
}

/**
 * A validated window as a model's input row (float32, `[steps, channels]` row-major in the
 * model's channel order), or why it does not fit that model: a different rate, length or set
 * of channels is refused rather than resampled, because the spectrum the model learned moves
 * with the rate.
 */
export function vibrationModelInput(window: VibrationWindowMessage, shape: VibrationWindowShape): { ok: true; input: Float32Array } | { ok: false; reason: string } {
  if (Math.abs(window.sampleRateHz - shape.sampleRateHz) > 1e-6 * shape.sampleRateHz) return { ok: false, reason: `sample rate ${window.sampleRateHz} Hz, the model needs ${shape.sampleRateHz} Hz` };
  if (window.samples.length !== shape.steps) return { ok: false, reason: `${window.samples.length} samples, the model needs ${shape.steps}` };
  const columns = shape.channels.map((c) => window.channels.indexOf(c));
  const missing = shape.channels.filter((_, i) => columns[i]! < 0);
  if (missing.length > 0) return { ok: false, reason: `channel(s) ${missing.join(', ')} missing (window has ${window.channels.join(', ')})` };
  const input = new Float32Array(shape.steps * shape.channels.length);
  for (let i = 0; i < shape.steps; i++) columns.forEach((col, k) => (input[i * columns.length + k] = window.samples[i]![col]!));
  return { ok: true, input };
}
