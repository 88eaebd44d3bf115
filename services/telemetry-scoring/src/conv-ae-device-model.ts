import { WindowRing, windowScore, type LayerSpec, type StandardScaler, type WindowScore } from '@premonitor/ml';
import type { RowScorer } from './device-model.js';

/**
 * A device's fitted 1-D conv autoencoder (the SKAB Conv-AE recipe): `layers` over the
 * standardised window `[1, windowSteps, sensors]`, window error = mean |reconstruction − input|.
 * `onnx` is the same model as a self-contained graph (scaler, window and threshold inside, see
 * `buildTelemetryModel`), for the edge agent.
 */
export interface ConvAeDeviceModel {
  readonly family: 'conv-ae';
  readonly keys: readonly string[];
  readonly sensors: readonly string[];
  readonly windowSteps: number;
  readonly errorThreshold: number;
  readonly scaler: StandardScaler;
  /** conv2d (kernel 1 × k, 'same'), maxPool2d (1 × 2) and upSampling2d (1 × 2) only. */
  readonly layers: readonly LayerSpec[];
  readonly onnx: Uint8Array;
}

/**
 * Scores a conv autoencoder's rows as they come, in plain JavaScript: each step, the window of
 * the last `windowSteps` rows. The service scores a conv-AE device with its ONNX graph
 * (`TelemetryModelScorer`, as the edge does, ~40× cheaper per window); this is the fallback when
 * the graph cannot be loaded or run, and the reference the graph is checked against
 * (device-model-fit.spec.ts).
 */
export class ConvAeWindowScorer implements RowScorer {
  readonly #model: ConvAeDeviceModel;
  readonly #columns: readonly number[];
  readonly #ring: WindowRing;

  constructor(model: ConvAeDeviceModel) {
    for (const layer of model.layers) {
      if (layer.kind !== 'conv2d' && layer.kind !== 'maxPool2d' && layer.kind !== 'upSampling2d') throw new Error(`a device conv autoencoder cannot hold a ${layer.kind} layer`);
      if (layer.kind === 'conv2d' && layer.activation !== 'relu' && layer.activation !== 'linear') throw new Error(`a device conv autoencoder's convolutions are relu or linear, not ${layer.activation}`);
    }
    this.#model = model;
    this.#columns = model.sensors.map((s) => model.keys.indexOf(s));
    this.#ring = new WindowRing(model.windowSteps, model.sensors.length);
  }

  reset(): void {
    this.#ring.reset();
  }

  push(values: ArrayLike<number>): WindowScore | undefined {
    const window = this.#ring.push(values, this.#columns);
    return window && convAeWindowScore(this.#model, window);
  }
}

/** The score of one window of raw readings `[windowSteps, sensors]` (the graph's input), computed in plain JS. */
export function convAeWindowScore(model: ConvAeDeviceModel, raw: Float32Array): WindowScore {
  const c = model.sensors.length;
  const scaled = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) scaled[i] = (raw[i]! - model.scaler.mean[i % c]!) / model.scaler.scale[i % c]!;
  return windowScore(convAeWindowError(model.layers, scaled, model.windowSteps, c), model.errorThreshold);
}

/** Mean absolute reconstruction error of one standardised window `[steps, channels]` (the graph's `error`). */
export function convAeWindowError(layers: readonly LayerSpec[], window: Float32Array, steps: number, channels: number): number {
  let x = window;
  let t = steps;
  let ch = channels;
  for (const layer of layers) {
    if (layer.kind === 'conv2d') {
      const k = layer.kernelSize[1];
      const filters = layer.filters;
      const out = new Float32Array(t * filters);
      // TensorFlow's 'same' for stride 1: the extra padding of an even kernel goes to the end.
      const before = Math.floor((k - 1) / 2);
      for (let i = 0; i < t; i++) {
        const o = i * filters;
        if (layer.bias) for (let f = 0; f < filters; f++) out[o + f] = layer.bias[f]!;
        for (let j = 0; j < k; j++) {
          const src = i + j - before;
          if (src < 0 || src >= t) continue;
          // Filters innermost: the kernel `[1, k, in, filters]` is read in storage order.
          for (let a = 0; a < ch; a++) {
            const v = x[src * ch + a]!;
            const w = (j * ch + a) * filters;
            for (let f = 0; f < filters; f++) out[o + f] += v * layer.kernel[w + f]!;
          }
        }
        if (layer.activation === 'relu') for (let f = 0; f < filters; f++) out[o + f] = Math.max(0, out[o + f]!);
      }
      x = out;
      ch = filters;
    } else if (layer.kind === 'maxPool2d') {
      const p = layer.poolSize[1];
      const half = Math.floor(t / p);
      const out = new Float32Array(half * ch);
      for (let i = 0; i < half; i++) for (let a = 0; a < ch; a++) {
        let m = -Infinity;
        for (let j = 0; j < p; j++) m = Math.max(m, x[(i * p + j) * ch + a]!);
        out[i * ch + a] = m;
      }
      x = out;
      t = half;
    } else if (layer.kind === 'upSampling2d') {
      const u = layer.size[1];
      const out = new Float32Array(t * u * ch);
      for (let i = 0; i < t * u; i++) for (let a = 0; a < ch; a++) out[i * ch + a] = x[Math.floor(i / u) * ch + a]!;
      x = out;
      t *= u;
    }
  }
  let sum = 0;
  for (let i = 0; i < window.length; i++) sum += Math.abs(x[i]! - window[i]!);
  return sum / window.length;
}
