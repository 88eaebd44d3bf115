import type { FrameKind } from '@premonitor/contracts';
import {
  DEFAULT_WAV_LIMITS,
  InputLimitError,
  TemperatureScaleError,
  ThermalImageError,
  ThermalMatrixError,
  WavFormatError,
  checkWavLimits,
  decodeThermalImage,
  parseThermalMatrix,
  readImageHeader,
  readWav,
  readWavHeader,
  thermalImageRaster,
  type TemperatureScale,
  type WavLimits,
} from '@premonitor/ml/data';
import { FrameAdaptError, audioRows, packRows, refuseCelsiusForLevels, thermalImageRows, thermalRows, type FrameRows } from '@premonitor/ml/scoring';
import type { ThermalInput } from '@premonitor/ml';

/** Bounds on one upload, checked before the work they bound. */
export interface UploadLimits {
  /** Sample rate, duration and channels of a WAV, checked on its header. */
  readonly wav: WavLimits;
  /** Widest and tallest thermal matrix accepted, pixels. */
  readonly thermalMaxSide: number;
  /** Most cells in a thermal matrix. */
  readonly thermalMaxCells: number;
}

/** Defaults: microphones (8–96 kHz, ≤ 10 s, ≤ 8 channels) and thermal cameras up to 640×512. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = Object.freeze({
  wav: DEFAULT_WAV_LIMITS,
  thermalMaxSide: 1_024,
  thermalMaxCells: 640 * 512,
});

/** What the model in service needs an upload brought to. */
export interface UploadTarget {
  readonly kind: FrameKind;
  /** `audio/wav`…, `application/json`, `text/csv`, `image/png` or `image/jpeg`. */
  readonly mediaType: string;
  /** Acoustic: the model's rate, Hz. */
  readonly sampleRate: number | undefined;
  readonly frameShape: readonly number[];
  /** Thermal: what the model reads — absolute °C, any linear scale (`relative`) or the image's own 8-bit levels (`levels`). */
  readonly thermalInput?: ThermalInput | undefined;
  /** The model's version, for messages. */
  readonly version?: string;
  /** An image's temperature scale, when the uploader gave one. */
  readonly scale?: TemperatureScale | undefined;
}

/** Media types of thermal images (greyscale PNG 8/16-bit, JPEG 8-bit). */
export const THERMAL_IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg'];

/** An upload refused, with the HTTP answer it gets. */
export interface UploadRefusal {
  readonly ok: false;
  /** 400 unreadable, 413 too large, 422 readable but beyond a limit. */
  readonly status: 400 | 413 | 422;
  readonly error: string;
  readonly message: string;
  /** For a limit: which one, the value found and what is allowed. */
  readonly limit?: { readonly name: string; readonly value: number; readonly allowed: string };
}

/** An upload as model rows, packed row-major (transferable between threads). */
export interface DecodedUpload {
  readonly ok: true;
  readonly packed: Float32Array;
  readonly rows: number;
  /** What was uploaded: audio rate, length and channels, or thermal width × height. */
  readonly input: Readonly<Record<string, number>>;
}

/** Decodes uploads somewhere: on this thread, or in the onnxruntime worker threads. */
export type UploadDecoder = (bytes: Uint8Array, target: UploadTarget, limits: UploadLimits) => Promise<DecodedUpload | UploadRefusal>;

/**
 * The checks that cost nothing next to decoding: a WAV's header against the limits. Run on
 * the event loop before an upload is handed to a decoder; undefined when it may proceed.
 */
export function precheckUpload(bytes: Uint8Array, target: UploadTarget, limits: UploadLimits): UploadRefusal | undefined {
  try {
    if (THERMAL_IMAGE_TYPES.includes(target.mediaType)) return precheckImage(bytes, target, limits);
    if (target.kind !== 'acoustic') return undefined;
    checkWavLimits(readWavHeader(bytes), limits.wav);
    return undefined;
  } catch (err) {
    return refusal(err);
  }
}

/**
 * Decodes one upload and brings it to the model's rows (resampled, windowed / resized): the
 * work {@link precheckUpload} bounds. Every expected failure is a refusal, not a throw, so the
 * result crosses a thread boundary as plain data.
 */
export function decodeUpload(bytes: Uint8Array, target: UploadTarget, limits: UploadLimits): DecodedUpload | UploadRefusal {
  try {
    const model = { sampleRate: target.sampleRate, frameShape: target.frameShape };
    let rows: FrameRows;
    let input: Record<string, number>;
    if (target.kind === 'acoustic') {
      const wav = readWav(bytes, { limits: limits.wav });
      if (wav.samples.length === 0) return { ok: false, status: 400, error: 'invalid_wav', message: 'the WAV file holds no samples' };
      rows = audioRows(wav.samples, wav.sampleRate, model);
      input = { sampleRate: wav.sampleRate, samples: wav.samples.length, channels: wav.channels };
    } else if (THERMAL_IMAGE_TYPES.includes(target.mediaType)) {
      const refused = precheckImage(bytes, target, limits);
      if (refused) return refused;
      const image = decodeThermalImage(bytes, { maxSide: limits.thermalMaxSide, maxPixels: limits.thermalMaxCells });
      // A `levels` model reads the image's own levels: a temperature scale sent with it is not needed and not applied.
      const scale = target.thermalInput === 'levels' ? undefined : target.scale;
      const raster = thermalImageRaster(image, scale);
      rows = thermalImageRows(raster, { frameShape: target.frameShape, thermalInput: target.thermalInput, version: target.version ?? 'in service' });
      input = { width: image.width, height: image.height, bitDepth: image.bitDepth, ...(target.scale && !scale ? { scaleIgnored: 1 } : {}) };
    } else {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      const matrix = parseThermalMatrix(text, { format: target.mediaType === 'text/csv' ? 'csv' : 'json', maxWidth: limits.thermalMaxSide, maxHeight: limits.thermalMaxSide, maxCells: limits.thermalMaxCells });
      refuseCelsiusForLevels({ thermalInput: target.thermalInput, version: target.version ?? 'in service' });
      rows = thermalRows(matrix, model);
      input = { width: matrix.width, height: matrix.height };
    }
    const { input: packed } = packRows([rows], rows[0]!.length);
    return { ok: true, packed, rows: rows.length, input };
  } catch (err) {
    if (err instanceof TypeError && target.kind === 'thermal') return { ok: false, status: 400, error: 'invalid_matrix', message: 'the thermal matrix is not valid UTF-8 text' };
    return refusal(err);
  }
}

/**
 * An image's header against the size limits, and a °C model's need for a temperature scale —
 * both known before a pixel is decoded. Throws what the header reader throws.
 */
function precheckImage(bytes: Uint8Array, target: UploadTarget, limits: UploadLimits): UploadRefusal | undefined {
  const header = readImageHeader(bytes);
  const side = Math.max(header.width, header.height);
  if (side > limits.thermalMaxSide) return limitRefusal('thermal_side', side, `at most ${limits.thermalMaxSide} pixels per side`, `the image is ${header.width}×${header.height}`);
  if (header.width * header.height > limits.thermalMaxCells) return limitRefusal('thermal_cells', header.width * header.height, `at most ${limits.thermalMaxCells} pixels`, `the image has ${header.width * header.height} pixels`);
  if (!target.scale && target.thermalInput !== 'relative' && target.thermalInput !== 'levels') {
    return {
      ok: false,
      status: 422,
      error: 'temperature_scale_required',
      message: `the thermal model in service (${target.version ?? 'unknown'}) reads absolute °C: give the image's temperature scale as ?minC=&maxC= (the °C of intensity 0 and of full scale)`,
    };
  }
  return undefined;
}

function limitRefusal(name: string, value: number, allowed: string, what: string): UploadRefusal {
  return { ok: false, status: 422, error: 'upload_limit', message: `${what}; ${allowed} are accepted (limit ${name})`, limit: { name, value, allowed } };
}

function refusal(err: unknown): UploadRefusal {
  if (err instanceof InputLimitError) {
    const limit = { name: err.limit, value: err.value, allowed: err.allowed };
    return err.limit === 'size'
      ? { ok: false, status: 413, error: 'upload_too_large', message: err.message, limit }
      : { ok: false, status: 422, error: 'upload_limit', message: `${err.message} (limit ${err.limit})`, limit };
  }
  if (err instanceof WavFormatError) return { ok: false, status: 400, error: 'invalid_wav', message: `not a readable WAV file: ${err.message}` };
  if (err instanceof ThermalMatrixError) {
    const at = err.row === undefined ? '' : ` (row ${err.row}${err.column === undefined ? '' : `, column ${err.column}`})`;
    return { ok: false, status: 400, error: 'invalid_matrix', message: `not a readable thermal matrix${at}: ${err.message}` };
  }
  if (err instanceof ThermalImageError) {
    return err.code === 'too_large' ? { ok: false, status: 422, error: 'upload_limit', message: err.message } : { ok: false, status: 400, error: 'invalid_image', message: `not a usable thermal image (${err.code}): ${err.message}` };
  }
  if (err instanceof TemperatureScaleError) return { ok: false, status: 422, error: 'invalid_temperature_scale', message: err.message };
  if (err instanceof FrameAdaptError) return { ok: false, status: 400, error: 'invalid_upload', message: err.message };
  throw err;
}
