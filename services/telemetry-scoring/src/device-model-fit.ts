import { applyScaler, buildTelemetryModel, describeLayersModel, fitStandardScaler, residualThreshold, slidingWindows } from '@premonitor/ml';
import { convAeErrors, trainConvAe1d, type ConvAe1dConfig } from '@premonitor/ml/training';
import { fitDeviceModel, modelVersion, pickColumns, readableSensors, windowScorer, type DeviceModel } from './device-model.js';
import type { ConvAeDeviceModel } from './conv-ae-device-model.js';
import { DEFAULT_DEVICE_FIT_OPTIONS, type DeviceFitOptions, type DeviceModelFamily, type FamilyChoice, type FamilyValidationOptions } from './device-fit-options.js';

export { DEFAULT_DEVICE_FIT_OPTIONS, type DeviceFitOptions, type DeviceModelFamily, type FamilyChoice, type FamilyValidationOptions } from './device-fit-options.js';

/** A fitted model and, for `auto`, what decided it. */
export interface FittedDeviceModel {
  readonly model: DeviceModel;
  readonly choice?: FamilyChoice;
}

/**
 * Fits a device's model of `family` on its enrollment rows (row-major `[rows, keys.length]`,
 * all healthy and finite). Loads tfjs for the autoencoder: called in the fit worker
 * (device-fit-worker.ts), so the consumer never waits for it.
 *
 * `auto`: the last `validationShare` of the rows (at least `minValidationRows`, at most half) are
 * held out; both families are fitted on the rows before them with the same threshold quantile and
 * margin, each scores the held-out tail as the service would (run rule of `validation.run`
 * windows), and the family with the lower false alarm rate there — healthy rows, so every flag is
 * a false alarm, and no label is needed — is refitted on every row. Rates within
 * `tieFalseAlarmRate` of each other are a tie, which keeps PCA (the cheaper model).
 */
export async function fitDeviceModelOf(family: DeviceModelFamily, keys: readonly string[], rows: Float64Array, stepMs: number, options: DeviceFitOptions = DEFAULT_DEVICE_FIT_OPTIONS, stamp = 'unstamped'): Promise<FittedDeviceModel> {
  if (family === 'pca') return { model: fitDeviceModel(keys, rows, options.pca, { stepMs, stamp }) };
  if (family === 'conv-ae') return { model: await fitConvAeDeviceModel(keys, rows, stepMs, options, stamp) };
  const c = keys.length;
  const n = rows.length / c;
  const v = options.validation;
  const held = heldOutRows(n, v);
  const fitRows = n - held;
  const head = rows.subarray(0, fitRows * c);
  const pca = heldOutFalseAlarms(fitDeviceModel(keys, head, options.pca), rows, fitRows, v.run);
  const convAe = heldOutFalseAlarms(await fitConvAeDeviceModel(keys, head, stepMs, options), rows, fitRows, v.run);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const rates = `held-out false alarms on ${held} rows: pca ${pct(pca)}, conv-ae ${pct(convAe)}`;
  const aeWins = convAe < pca - v.tieFalseAlarmRate;
  const reason = aeWins
    ? `${rates}; conv-ae lower by more than ${pct(v.tieFalseAlarmRate)}`
    : convAe < pca
      ? `${rates}; within ${pct(v.tieFalseAlarmRate)} of each other: a tie keeps the cheaper pca`
      : `${rates}; pca not worse`;
  const model = aeWins ? await fitConvAeDeviceModel(keys, rows, stepMs, options, stamp) : fitDeviceModel(keys, rows, options.pca, { stepMs, stamp });
  return { model, choice: { chosen: model.family, falseAlarmRate: { pca, convAe }, rows: held, reason } };
}

/** Rows `auto` holds out of `n`: the share, at least the minimum, at most half. */
export function heldOutRows(n: number, v: FamilyValidationOptions): number {
  return Math.min(Math.floor(n / 2), Math.max(Math.round(n * v.validationShare), v.minValidationRows));
}

/** Share of the rows from `from` on that the model flags (windows may start before `from`). */
function heldOutFalseAlarms(model: DeviceModel, rows: Float64Array, from: number, run: number): number {
  const c = model.keys.length;
  const n = rows.length / c;
  const scorer = windowScorer(model);
  let streak = 0;
  let flagged = 0;
  for (let r = 0; r < n; r++) {
    const score = scorer.push(rows.subarray(r * c, (r + 1) * c));
    streak = score && score.ratio >= 1 ? streak + 1 : 0;
    if (r >= from && streak >= run) flagged++;
  }
  return flagged / Math.max(1, n - from);
}

/** The conv autoencoder of a device: same sensors as its PCA would read, threshold from the calibration tail. */
export async function fitConvAeDeviceModel(keys: readonly string[], rows: Float64Array, stepMs: number, options: DeviceFitOptions = DEFAULT_DEVICE_FIT_OPTIONS, stamp = 'unstamped'): Promise<ConvAeDeviceModel> {
  const { windowSteps: steps, network, trainStride, calibrationShare } = options.convAe;
  if (!(steps >= 4 && steps % 4 === 0)) throw new Error(`the conv autoencoder window must be a multiple of 4 steps, got ${steps}`);
  const n = rows.length / keys.length;
  const fitRows = Math.round(n * (1 - calibrationShare));
  if (fitRows < steps + trainStride || n - fitRows < 1) throw new Error(`a conv autoencoder of ${steps}-step windows needs more than ${Math.ceil((steps + trainStride) / (1 - calibrationShare))} enrollment rows, got ${n}`);
  const kept = readableSensors(keys, rows, options.pca);
  const c = kept.length;
  const picked = pickColumns(rows, keys.length, kept);
  const scaler = fitStandardScaler(picked, c);
  const scaled = applyScaler(scaler, picked);
  const { model } = await trainConvAe1d(slidingWindows(scaled.subarray(0, fitRows * c), c, steps, trainStride), { ...network, steps, channels: c });
  try {
    // Windows ending in the calibration tail (they may start in the training span).
    const calibration = convAeErrors(model, slidingWindows(scaled.subarray((fitRows - steps + 1) * c), c, steps), steps, c);
    const errorThreshold = Math.max(residualThreshold(calibration, options.pca.quantile, options.pca.margin), 1e-9);
    const sensors = kept.map((i) => keys[i]!);
    const { layers } = describeLayersModel(model);
    const version = modelVersion('conv-ae', stamp);
    const onnx = buildTelemetryModel({
      scaler,
      family: { kind: 'conv-ae', layers },
      threshold: errorThreshold,
      metadata: {
        kind: 'telemetry',
        version,
        inputs: [{ name: 'window', type: 'float32', shape: ['batch', steps, c] }],
        threshold: errorThreshold,
        window: { channels: sensors, steps, stepSeconds: stepMs / 1000, run: options.validation.run, family: 'device/conv-ae' },
      },
    });
    return { family: 'conv-ae', keys: [...keys], sensors, windowSteps: steps, errorThreshold, scaler, layers, onnx };
  } finally {
    model.dispose();
  }
}
