import type { AcousticFrame, ThermalFrame } from '@premonitor/contracts';
import { resample } from '@premonitor/ml/data';
import type { ThermalRaster } from '@premonitor/ml/data';
import { FrameAdaptError } from './model-errors.js';
import type { ScoringModel } from './scoring-model.js';

/** The model rows one frame becomes; its score is their mean. */
export type FrameRows = readonly Float32Array[];

/**
 * Brings mono audio (full scale ±1) to the model's clip length. The model sees clips of
 * exactly `clipSamples`: audio within half a clip of that is centre-cropped or zero-padded
 * at the end; longer audio is cut into `round(n / clip)` windows spread evenly over it
 * (overlapping a little when n is not a multiple), whose scores the caller averages — so a
 * 4-s clip is judged on all of it rather than its first second.
 */
export function audioWindows(samples: Float32Array, clipSamples: number): FrameRows {
  const n = samples.length;
  if (n === clipSamples) return [samples];
  const windows = Math.max(1, Math.round(n / clipSamples));
  if (windows === 1) {
    const row = new Float32Array(clipSamples);
    if (n > clipSamples) row.set(samples.subarray((n - clipSamples) >> 1, ((n - clipSamples) >> 1) + clipSamples));
    else row.set(samples);
    return [row];
  }
  const stride = (n - clipSamples) / (windows - 1);
  return Array.from({ length: windows }, (_, i) => {
    const start = Math.round(i * stride);
    return samples.slice(start, start + clipSamples);
  });
}

/** An acoustic frame as model rows: int16 → ±1, resampled to the model's rate, windowed. */
export function acousticRows(frame: AcousticFrame, model: Pick<ScoringModel, 'frameShape' | 'sampleRate'>): FrameRows {
  return audioRows(int16ToFloat(frame.samples), frame.sampleRate, model);
}

/** Audio already in ±1 (e.g. from a WAV upload) as model rows. */
export function audioRows(samples: Float32Array, sampleRate: number, model: Pick<ScoringModel, 'frameShape' | 'sampleRate'>): FrameRows {
  const targetRate = model.sampleRate;
  const clip = model.frameShape[0];
  if (targetRate === undefined || clip === undefined) throw new FrameAdaptError('the model declares no sample rate or clip length');
  if (samples.length === 0) throw new FrameAdaptError('the audio has no samples');
  const atRate = sampleRate === targetRate ? samples : resample(samples, sampleRate, targetRate);
  return audioWindows(atRate, clip);
}

/** A thermal frame as one model row of the model's height × width, resized bilinearly when needed. */
export function thermalRows(frame: Pick<ThermalFrame, 'width' | 'height' | 'celsius'>, model: Pick<ScoringModel, 'frameShape'>): FrameRows {
  const [height, width] = model.frameShape;
  if (height === undefined || width === undefined) throw new FrameAdaptError('the model declares no frame height and width');
  if (frame.width === width && frame.height === height) return [frame.celsius];
  return [resizeBilinear(frame.celsius, frame.width, frame.height, width, height)];
}

/**
 * A decoded thermal image (`thermalImageRaster` from `@premonitor/ml/data`) as one model row.
 * In °C it suits every thermal model; raw intensities (no temperature scale) only suit a model
 * whose metadata says `thermal_input: relative` — a °C scene model would read levels 0–255 as
 * temperatures — so for any other model this throws {@link FrameAdaptError} asking for a scale.
 */
export function thermalImageRows(raster: ThermalRaster, model: Pick<ScoringModel, 'frameShape' | 'thermalInput' | 'version'>): FrameRows {
  if (raster.units === 'intensity' && model.thermalInput !== 'relative') {
    throw new FrameAdaptError(`model ${model.version} reads absolute °C; send the image's temperature scale (min/max °C or gain/offset) with it`);
  }
  return thermalRows({ width: raster.width, height: raster.height, celsius: raster.values }, model);
}

/**
 * Bilinear resize of a row-major image with pixel-centre alignment (OpenCV / ONNX Resize
 * `half_pixel`): a pixel's value is its centre's, so up- and down-scaling stay unbiased.
 * Edges clamp. Downscaling by more than 2× averages only the nearest source pixels, which
 * is acceptable for the sensor resolutions involved (80×60 → 32×24 at most).
 */
export function resizeBilinear(src: Float32Array, srcW: number, srcH: number, dstW: number, dstH: number): Float32Array {
  if (src.length !== srcW * srcH) throw new FrameAdaptError(`image has ${src.length} values, not ${srcW}×${srcH}`);
  const out = new Float32Array(dstW * dstH);
  const sx = srcW / dstW;
  const sy = srcH / dstH;
  for (let y = 0; y < dstH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let x = 0; x < dstW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcW - 1);
      const wx = fx - x0;
      const top = src[y0 * srcW + x0]! * (1 - wx) + src[y0 * srcW + x1]! * wx;
      const bottom = src[y1 * srcW + x0]! * (1 - wx) + src[y1 * srcW + x1]! * wx;
      out[y * dstW + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** int16 PCM → float32 at full scale ±1 (value / 32768), the contract's input scaling. */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}
