import { WindowInputError } from './telemetry-errors.js';

/** Shape of the windows a model consumes: `steps` rows of `channels` values, row-major. */
export interface WindowShape {
  readonly steps: number;
  readonly channels: number;
}

/**
 * Checks a batch of windows `[n, steps, channels]` before it reaches a model: the length must
 * be a whole number of windows and every value finite. Returns the window count; throws
 * {@link WindowInputError} naming the first problem (a NaN's window, step and channel), so a
 * caller can dead-letter that window instead of scoring garbage.
 */
export function checkWindowBatch(data: ArrayLike<number>, shape: WindowShape, channelNames?: readonly string[]): number {
  const size = shape.steps * shape.channels;
  if (!(Number.isInteger(shape.steps) && shape.steps > 0 && Number.isInteger(shape.channels) && shape.channels > 0)) {
    throw new WindowInputError(`window shape must be positive integers, got ${shape.steps} steps × ${shape.channels} channels`);
  }
  if (data.length === 0 || data.length % size !== 0) {
    throw new WindowInputError(`a batch of windows must hold a multiple of ${shape.steps} steps × ${shape.channels} channels = ${size} values, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const window = Math.floor(i / size);
      const step = Math.floor((i % size) / shape.channels);
      const channel = i % shape.channels;
      const name = channelNames?.[channel] ?? `channel ${channel}`;
      throw new WindowInputError(`window ${window} holds ${String(data[i])} at step ${step}, ${name}; fill short gaps before windowing and drop windows with longer ones`);
    }
  }
  return data.length / size;
}

/**
 * Every window of `steps` consecutive rows of the row-major `[rows, channels]` series, one
 * per end row from `steps − 1` on (window k ends at row `k + steps − 1`), as one flat batch.
 */
export function slidingWindows(series: ArrayLike<number>, channels: number, steps: number, stride = 1): Float32Array {
  const rows = series.length / channels;
  if (!Number.isInteger(rows)) throw new WindowInputError(`the series holds ${series.length} values, not a multiple of ${channels} channels`);
  if (rows < steps) throw new WindowInputError(`the series has ${rows} rows, fewer than one window of ${steps}`);
  const count = Math.floor((rows - steps) / stride) + 1;
  const out = new Float32Array(count * steps * channels);
  for (let k = 0; k < count; k++) {
    const from = k * stride * channels;
    for (let j = 0; j < steps * channels; j++) out[k * steps * channels + j] = series[from + j]!;
  }
  return out;
}
