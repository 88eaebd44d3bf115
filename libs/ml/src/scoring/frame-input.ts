import { ThermalImageError, TemperatureScaleError } from '../data/data-errors.js';
import { resample } from '../data/resample.js';
import { thermalImageRaster, type ThermalRaster } from '../data/temperature-scale.js';
import { decodeThermalImage } from '../data/thermal-image.js';
import type { ThermalInput } from '../onnx/model-metadata.js';
import type { ScoringKind } from './model-contract.js';
import { resizeBilinear } from './resize-bilinear.js';
import { FrameAdaptError } from './scoring-errors.js';

/** The model rows one frame becomes; its score is their mean. */
export type FrameRows = readonly Float32Array[];

/** What turning a frame into model rows needs to know about a model (from its metadata). */
export interface ModelInputSpec {
  readonly kind: ScoringKind;
  readonly version: string;
  /** One row's shape: `[samples]` (acoustic) or `[height, width]` (thermal). */
  readonly frameShape: readonly number[];
  /** Acoustic: the rate the model expects, Hz. */
  readonly sampleRate: number | undefined;
  /** Thermal: `celsius` (absolute °C; absent means this), `relative` (any linear intensity scale) or `levels` (the image's own 8-bit levels). */
  readonly thermalInput?: ThermalInput | undefined;
}

/**
 * A sensor frame as far as the model input is concerned — structurally the `Frame` of
 * `@premonitor/contracts`: int16 PCM at some rate, or a °C raster of some size.
 */
export type SensorFrame =
  | { readonly kind: 'acoustic'; readonly sampleRate: number; readonly samples: Int16Array }
  | { readonly kind: 'thermal'; readonly width: number; readonly height: number; readonly celsius: Float32Array }
  | { readonly kind: 'thermal'; readonly width: number; readonly height: number; readonly image: Uint8Array; readonly scale?: { readonly minC: number; readonly maxC: number } };

/**
 * A sensor frame as the model rows of `model` — the one frame → input path of the core's
 * inference service and the edge agent, so both score a frame identically. Acoustic:
 * int16 → ±1, resampled to the model's rate, windowed ({@link audioWindows}). Thermal: resized
 * bilinearly to the model's height × width. Throws {@link FrameAdaptError} for a frame of the
 * other kind or one that cannot be adapted (no samples, values that disagree with the size).
 * An exactly fitting thermal frame is returned as is (no copy): callers pack rows, never send them.
 */
export function frameRows(frame: SensorFrame, model: ModelInputSpec): FrameRows {
  if (frame.kind !== model.kind) throw new FrameAdaptError(`a ${frame.kind} frame cannot be scored by the ${model.kind} model ${model.version}`);
  if (frame.kind === 'acoustic') return audioRows(int16ToFloat(frame.samples), frame.sampleRate, model);
  if ('image' in frame) return imageFrameRows(frame, model);
  refuseCelsiusForLevels(model);
  return thermalRows(frame, model);
}

/**
 * A thermal frame carried as an image file: decoded (greyscale PNG/JPEG), checked against the
 * size its frame declared, scaled to °C when the frame gives a range, then {@link thermalImageRows}
 * — so a scale-less image suits only a `relative` model. Every failure is a {@link FrameAdaptError}.
 */
function imageFrameRows(frame: Extract<SensorFrame, { image: Uint8Array }>, model: ModelInputSpec): FrameRows {
  try {
    const image = decodeThermalImage(frame.image, { maxSide: 1_024, maxPixels: 640 * 512 });
    if (image.width !== frame.width || image.height !== frame.height) throw new FrameAdaptError(`the frame declares ${frame.width}×${frame.height} but its image is ${image.width}×${image.height}`);
    // A `levels` model reads the image's own levels: a temperature scale sent with the image is not applied.
    const raster = thermalImageRaster(image, frame.scale && model.thermalInput !== 'levels' ? { kind: 'range', ...frame.scale } : undefined);
    return thermalImageRows(raster, model);
  } catch (err) {
    if (err instanceof ThermalImageError || err instanceof TemperatureScaleError) throw new FrameAdaptError(`thermal image: ${err.message}`, { cause: err });
    throw err;
  }
}

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
    return samples.subarray(start, start + clipSamples);
  });
}

/** Audio already in ±1 (a decoded frame, a WAV upload) as model rows: resampled to the model's rate, windowed. */
export function audioRows(samples: Float32Array, sampleRate: number, model: Pick<ModelInputSpec, 'frameShape' | 'sampleRate'>): FrameRows {
  const targetRate = model.sampleRate;
  const clip = model.frameShape[0];
  if (targetRate === undefined || clip === undefined) throw new FrameAdaptError('the model declares no sample rate or clip length');
  if (samples.length === 0) throw new FrameAdaptError('the audio has no samples');
  const atRate = sampleRate === targetRate ? samples : resample(samples, sampleRate, targetRate);
  return audioWindows(atRate, clip);
}

/** A °C raster as one model row of the model's height × width, resized bilinearly when needed. */
export function thermalRows(frame: { readonly width: number; readonly height: number; readonly celsius: Float32Array }, model: Pick<ModelInputSpec, 'frameShape'>): FrameRows {
  const [height, width] = model.frameShape;
  if (height === undefined || width === undefined) throw new FrameAdaptError('the model declares no frame height and width');
  if (frame.celsius.length !== frame.width * frame.height) throw new FrameAdaptError(`thermal frame has ${frame.celsius.length} values, not ${frame.width}×${frame.height}`);
  if (frame.width === width && frame.height === height) return [frame.celsius];
  return [resizeBilinear(frame.celsius, frame.width, frame.height, width, height)];
}

/**
 * A decoded thermal image (`thermalImageRaster` from `@premonitor/ml/data`) as one model row.
 * In °C it suits a `celsius` or `relative` model; raw intensities (no temperature scale) suit a
 * `relative` model, and a `levels` model when they are 8-bit (0–255) — a °C scene model would
 * read levels 0–255 as temperatures, a `levels` model reads the level itself. Anything else
 * throws {@link FrameAdaptError} saying what to send.
 */
export function thermalImageRows(raster: ThermalRaster, model: Pick<ModelInputSpec, 'frameShape' | 'thermalInput' | 'version'>): FrameRows {
  if (raster.units === 'intensity' && model.thermalInput !== 'relative' && model.thermalInput !== 'levels') {
    throw new FrameAdaptError(`model ${model.version} reads absolute °C; send the image's temperature scale (min/max °C or gain/offset) with it`);
  }
  if (raster.units === 'celsius') refuseCelsiusForLevels(model);
  if (model.thermalInput === 'levels' && raster.values.some((v) => v > 255)) {
    throw new FrameAdaptError(`model ${model.version} reads 8-bit levels (0–255) and this image has higher ones (16-bit?): send the camera's 8-bit image`);
  }
  return thermalRows({ width: raster.width, height: raster.height, celsius: raster.values }, model);
}

/**
 * A `levels` model reads the level of the camera's own 8-bit image, which °C do not give back
 * (their mapping to levels is the camera's): refuses them rather than score them wrongly.
 */
export function refuseCelsiusForLevels(model: Pick<ModelInputSpec, 'thermalInput' | 'version'>): void {
  if (model.thermalInput === 'levels') throw new FrameAdaptError(`model ${model.version} reads the image's own 8-bit levels, not °C: send the camera's 8-bit image (PNG/JPEG; no temperature scale is needed)`);
}

/** int16 PCM → float32 at full scale ±1 (value / 32768), the contract's input scaling. */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}
