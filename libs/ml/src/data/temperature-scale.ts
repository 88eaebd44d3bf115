import { TemperatureScaleError } from './data-errors.js';
import type { ThermalImage } from './thermal-image.js';

/**
 * How an image's intensities map to °C, when the camera says so:
 * - `range`: the image spans `minC` (intensity 0) to `maxC` (full scale, 255 or 65535),
 *   linearly — what a thermal JPEG's colour bar states;
 * - `linear`: °C = `gainC` × intensity + `offsetC` — radiometric 16-bit frames, e.g. a
 *   Lepton/Boson in TLinear mode is gain 0.01, offset −273.15 (counts are centikelvin).
 * Both are increasing ("white hot"); invert a black-hot image before scaling it.
 */
export type TemperatureScale =
  | { readonly kind: 'range'; readonly minC: number; readonly maxC: number }
  | { readonly kind: 'linear'; readonly gainC: number; readonly offsetC: number };

/** A thermal frame as numbers, with what they measure. */
export interface ThermalRaster {
  readonly width: number;
  readonly height: number;
  /** Row-major values, `width × height`. */
  readonly values: Float32Array;
  /**
   * `celsius`: absolute temperatures; `intensity`: raw image levels whose mapping to °C is
   * unknown (monotonic, assumed linear) — only models that read relative input score them.
   */
  readonly units: 'celsius' | 'intensity';
}

/** Plausible °C after scaling (default −60 … 1000, the frame codec's limits). */
export interface TemperatureScaleOptions {
  readonly minCelsius?: number;
  readonly maxCelsius?: number;
}

/**
 * The image as a {@link ThermalRaster}: in °C when a `scale` is given (checked, and every
 * scaled value must be plausible), else its raw intensities with `units: 'intensity'`.
 */
export function thermalImageRaster(image: ThermalImage, scale?: TemperatureScale, options: TemperatureScaleOptions = {}): ThermalRaster {
  const { width, height } = image;
  if (!scale) return { width, height, values: image.intensity, units: 'intensity' };
  return { width, height, values: applyTemperatureScale(image.intensity, image.bitDepth, scale, options), units: 'celsius' };
}

/** Maps intensities of a `bitDepth`-bit image to °C with `scale`; throws {@link TemperatureScaleError}. */
export function applyTemperatureScale(intensity: Float32Array, bitDepth: number, scale: TemperatureScale, options: TemperatureScaleOptions = {}): Float32Array {
  const [gain, offset] = gainAndOffset(scale, bitDepth);
  const min = options.minCelsius ?? -60;
  const max = options.maxCelsius ?? 1000;
  const out = new Float32Array(intensity.length);
  for (let i = 0; i < intensity.length; i++) {
    const c = gain * intensity[i]! + offset;
    if (!(c >= min && c <= max)) {
      throw new TemperatureScaleError(`pixel ${i}: intensity ${intensity[i]} maps to ${c.toFixed(2)} °C, outside the plausible range [${min}, ${max}]; check the temperature scale`);
    }
    out[i] = c;
  }
  return out;
}

function gainAndOffset(scale: TemperatureScale, bitDepth: number): [number, number] {
  if (scale.kind === 'range') {
    const { minC, maxC } = scale;
    if (!Number.isFinite(minC) || !Number.isFinite(maxC)) throw new TemperatureScaleError(`temperature range must be finite numbers, got ${minC} … ${maxC}`);
    if (!(maxC > minC)) throw new TemperatureScaleError(`temperature range must rise: maxC (${maxC}) must exceed minC (${minC})`);
    return [(maxC - minC) / (2 ** bitDepth - 1), minC];
  }
  const { gainC, offsetC } = scale;
  if (!Number.isFinite(gainC) || !Number.isFinite(offsetC)) throw new TemperatureScaleError(`gain and offset must be finite numbers, got ${gainC}, ${offsetC}`);
  if (!(gainC > 0)) throw new TemperatureScaleError(`gain must be positive (°C per intensity level), got ${gainC}`);
  return [gainC, offsetC];
}
