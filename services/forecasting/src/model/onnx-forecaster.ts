import * as ort from 'onnxruntime-node';
import { exportModelToOnnx } from '@premonitor/ml';
import type { LstmNetwork } from './lstm-network.js';
import { featureCount, localScale, outputToValue, stepBases, writeInputWindow, type ForecasterSpec } from './forecaster-spec.js';

/** One forecast step in the target's units. */
export interface ForecastPoint {
  /** 1-based step. */
  readonly step: number;
  readonly targetTime: number;
  readonly hoursAhead: number;
  readonly predicted: number;
  readonly lower: number;
  readonly upper: number;
}

/** Exports a trained forecaster's network to ONNX (LSTM op), input `[batch, seq, features]`. */
export function exportForecasterToOnnx(model: LstmNetwork, spec: ForecasterSpec, version: string): Uint8Array {
  return exportModelToOnnx(model.toDescription(), {
    metadata: {
      kind: 'forecast',
      version,
      inputs: [{ name: 'input', type: 'float32', shape: ['batch', spec.sequenceLength, featureCount(spec)] }],
      calibration: { spec },
    },
  });
}

/**
 * A forecaster running its ONNX file in onnxruntime-node (one intra-op thread: models are
 * small and the service runs many of them side by side).
 */
export class OnnxForecaster {
  readonly #session: ort.InferenceSession;
  readonly #input: string;
  readonly #output: string;

  private constructor(
    session: ort.InferenceSession,
    readonly spec: ForecasterSpec,
  ) {
    this.#session = session;
    this.#input = session.inputNames[0]!;
    this.#output = session.outputNames[0]!;
  }

  static async load(bytes: Uint8Array, spec: ForecasterSpec): Promise<OnnxForecaster> {
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new OnnxForecaster(session, spec);
  }

  /** Raw outputs `[count, horizon]` for `count` prepared windows. */
  async run(x: Float32Array, count: number): Promise<Float32Array> {
    const tensor = new ort.Tensor('float32', x, [count, this.spec.sequenceLength, featureCount(this.spec)]);
    const result = await this.#session.run({ [this.#input]: tensor });
    return result[this.#output]!.data as Float32Array;
  }

  /**
   * Forecasts from every origin in `origins` (grid indices of the last observed step) of the
   * aligned `columns`; origins whose window or base history has a missing value are skipped
   * (undefined).
   */
  async forecastAt(columns: readonly ArrayLike<number>[], start: number, origins: readonly number[]): Promise<(ForecastPoint[] | undefined)[]> {
    const spec = this.spec;
    const per = spec.sequenceLength * featureCount(spec);
    const x = new Float32Array(origins.length * per);
    const bases = origins.map((o) => stepBases(spec, columns[0]!, o));
    const ok = origins.map((o, i) => writeInputWindow(spec, columns, start, o, x, i * per) && bases[i]!.every(Number.isFinite));
    const kept = origins.filter((_, i) => ok[i]);
    if (kept.length === 0) return origins.map(() => undefined);
    const packed = new Float32Array(kept.length * per);
    let w = 0;
    origins.forEach((_, i) => {
      if (ok[i]) packed.set(x.subarray(i * per, (i + 1) * per), w++ * per);
    });
    const out = await this.run(packed, kept.length);
    let k = 0;
    return origins.map((o, i) => {
      if (!ok[i]) return undefined;
      const row = k++;
      const scale = spec.localHalfWidths ? localScale(spec, columns[0]!, o) : 1;
      const halves = spec.localHalfWidths ?? spec.halfWidths;
      return Array.from({ length: spec.horizon }, (_, h) => {
        const predicted = outputToValue(spec, bases[i]![h]!, out[row * spec.horizon + h]!);
        const half = (halves[h] ?? 0) * scale;
        return {
          step: h + 1,
          targetTime: start + (o + h + 1) * spec.stepMs,
          hoursAhead: ((h + 1) * spec.stepMs) / 3_600_000,
          predicted,
          lower: predicted - half,
          upper: predicted + half,
        };
      });
    });
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
