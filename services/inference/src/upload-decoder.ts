import type { FrameKind } from '@premonitor/contracts';
import { DEFAULT_WAV_LIMITS, InputLimitError, ThermalMatrixError, WavFormatError, checkWavLimits, parseThermalMatrix, readWav, readWavHeader, type WavLimits } from '@premonitor/ml/data';
import { FrameAdaptError, audioRows, packRows, thermalRows, type FrameRows } from '@premonitor/ml/scoring';

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
  /** `audio/wav`…, `application/json` or `text/csv`. */
  readonly mediaType: string;
  /** Acoustic: the model's rate, Hz. */
  readonly sampleRate: number | undefined;
  readonly frameShape: readonly number[];
}

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
  if (target.kind !== 'acoustic') return undefined;
  try {
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
    } else {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      const matrix = parseThermalMatrix(text, { format: target.mediaType === 'text/csv' ? 'csv' : 'json', maxWidth: limits.thermalMaxSide, maxHeight: limits.thermalMaxSide, maxCells: limits.thermalMaxCells });
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
  if (err instanceof FrameAdaptError) return { ok: false, status: 400, error: 'invalid_upload', message: err.message };
  throw err;
}
