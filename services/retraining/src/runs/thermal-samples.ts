import { createHash } from 'node:crypto';
import { decodeThermalImage, parseThermalMatrix, thermalImageRaster, type ThermalRaster } from '@premonitor/ml/data';
import { resizeBilinear } from '@premonitor/ml/scoring';

/** One stored sample as a run reads it. */
export interface RunSample {
  readonly id: number;
  readonly sha256: string;
  readonly label: 'normal' | 'anomalous';
  readonly faultClass: string | null;
  /** `site/device`, or null. */
  readonly device: string | null;
  readonly format: string | null;
  /** Acoustic: the channel of a multichannel WAV the sample is (from its upload), else null. */
  readonly channel: number | null;
}

/** A decoded thermal sample at its own size, and its class for the trainer. */
export interface DecodedThermalSample {
  readonly sample: RunSample;
  readonly raster: ThermalRaster;
}

/** The class a sample trains as: `normal`, its fault class, or `anomalous` without one. */
export function sampleClass(s: Pick<RunSample, 'label' | 'faultClass'>): string {
  return s.label === 'normal' ? 'normal' : (s.faultClass ?? 'anomalous');
}

/** Decodes a stored thermal sample (grey PNG/JPEG as intensities, CSV/JSON as °C). */
export function decodeThermalSample(sample: RunSample, bytes: Uint8Array): DecodedThermalSample {
  if (sample.format === 'png' || sample.format === 'jpeg') return { sample, raster: thermalImageRaster(decodeThermalImage(bytes)) };
  const matrix = parseThermalMatrix(new TextDecoder().decode(bytes), { format: sample.format === 'json' ? 'json' : 'csv' });
  return { sample, raster: { width: matrix.width, height: matrix.height, values: matrix.celsius, units: 'celsius' } };
}

/** The raster's values at `width × height` (bilinear when the size differs). */
export function atSize(raster: ThermalRaster, width: number, height: number): Float32Array {
  return raster.width === width && raster.height === height ? raster.values : resizeBilinear(raster.values, raster.width, raster.height, width, height);
}

/**
 * Splits samples into training and held-out **by device**: every sample of a device lands on
 * the same side (a sample without a device is its own group), chosen by a hash of the group
 * and the seed, so the split is stable as samples are added and no device is in both.
 */
export function splitByDevice<T extends { readonly sample: RunSample }>(items: readonly T[], heldOutFraction: number, seed: number): { train: T[]; heldOut: T[] } {
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const item of items) {
    const group = item.sample.device ?? `sample:${item.sample.id}`;
    const h = createHash('sha256').update(`${seed}\u0000${group}`).digest().readUInt32BE(0) / 2 ** 32;
    (h < heldOutFraction ? heldOut : train).push(item);
  }
  return { train, heldOut };
}
