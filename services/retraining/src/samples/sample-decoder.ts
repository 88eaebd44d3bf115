import { InputLimitError, ThermalImageError, ThermalMatrixError, WavFormatError, decodeThermalImage, parseThermalMatrix, readImageHeader, readWav, type WavLimits } from '@premonitor/ml/data';
import type { SampleKind } from './sample-kinds.js';

/** Bounds on one sample file, checked before it is stored. */
export interface SampleLimits {
  /** Largest file, bytes. */
  readonly maxFileBytes: number;
  /** Rate, duration and channels of a WAV, from its header (decoding is bounded by it). */
  readonly wav: WavLimits;
  /** Smallest and largest side of a thermal frame, pixels. */
  readonly thermalMinSide: number;
  readonly thermalMaxSide: number;
  /** Most rows (time steps) and columns (sensors) of a telemetry or vibration window. */
  readonly windowMaxRows: number;
  readonly windowMaxColumns: number;
}

/** Defaults: clips up to 10 s at 8–96 kHz with ≤ 8 channels, frames 8–1024 px a side, windows ≤ 100k × 64. */
export const DEFAULT_SAMPLE_LIMITS: SampleLimits = Object.freeze({
  maxFileBytes: 16 * 1024 * 1024,
  wav: Object.freeze({ minSampleRate: 8_000, maxSampleRate: 96_000, maxSeconds: 10, maxChannels: 8 }),
  thermalMinSide: 8,
  thermalMaxSide: 1_024,
  windowMaxRows: 100_000,
  windowMaxColumns: 64,
});

/** A file that passed every check, with what it holds (stored as the sample's metadata). */
export interface AcceptedSample {
  readonly ok: true;
  readonly format: 'wav' | 'png' | 'jpeg' | 'csv' | 'json';
  readonly summary: Readonly<Record<string, number | string>>;
}

/** A file refused: 400 unreadable, 413 too large, 422 readable but outside a limit. */
export interface RefusedSample {
  readonly ok: false;
  readonly status: 400 | 413 | 422;
  readonly error: string;
  readonly message: string;
}

/** Options of one file's check. */
export interface DecodeSampleOptions {
  /** Acoustic: the channel (0-based) the sample is, for a multichannel recording. */
  readonly channel?: number;
}

/**
 * Checks that `bytes` is a readable sample of `kind` within `limits`: a WAV (8/16/24/32-bit,
 * any rate within the limits, the chosen channel present, a header that agrees with the
 * file), a thermal frame (greyscale PNG/JPEG, or a CSV/JSON °C matrix), or a numeric CSV
 * window (a header of sensor names, finite values). Decodes fully, so a truncated file or a
 * lying header is found before anything is stored. Expected failures are return values.
 */
export function decodeSample(kind: SampleKind, bytes: Uint8Array, limits: SampleLimits, options: DecodeSampleOptions = {}): AcceptedSample | RefusedSample {
  if (bytes.length > limits.maxFileBytes) return refused(413, 'file_too_large', `${bytes.length} bytes; the limit is ${limits.maxFileBytes} bytes per file`);
  if (bytes.length === 0) return refused(400, 'empty_file', 'the file is empty');
  try {
    if (kind === 'acoustic') return decodeAudio(bytes, limits, options.channel);
    if (kind === 'thermal') return decodeThermal(bytes, limits);
    return decodeWindow(bytes, limits);
  } catch (err) {
    if (err instanceof InputLimitError) return refused(err.limit === 'size' ? 413 : 422, 'limit', `${err.message} (limit ${err.limit}: ${err.allowed})`);
    if (err instanceof WavFormatError) return refused(400, 'invalid_wav', `not a readable WAV file: ${err.message}`);
    if (err instanceof ThermalImageError) return refused(err.code === 'too_large' ? 422 : 400, 'invalid_image', `not a usable thermal image: ${err.message}`);
    if (err instanceof ThermalMatrixError) {
      const at = err.row === undefined ? '' : ` (row ${err.row}${err.column === undefined ? '' : `, column ${err.column}`})`;
      return refused(400, 'invalid_matrix', `not a readable thermal matrix${at}: ${err.message}`);
    }
    throw err;
  }
}

function decodeAudio(bytes: Uint8Array, limits: SampleLimits, channel: number | undefined): AcceptedSample | RefusedSample {
  const wav = readWav(bytes, { maxBytes: limits.maxFileBytes, limits: limits.wav, ...(channel === undefined ? {} : { channel }) });
  if (wav.samples.length === 0) return refused(400, 'invalid_wav', 'the WAV file holds no samples');
  // IEEE float WAVs can carry NaN or ±Inf; a sample the trainer cannot use is refused here.
  for (let i = 0; i < wav.samples.length; i++) {
    if (!Number.isFinite(wav.samples[i]!)) return refused(400, 'non_finite', `sample ${i} is not a finite number`);
  }
  const seconds = Math.round((wav.samples.length / wav.sampleRate) * 1000) / 1000;
  return { ok: true, format: 'wav', summary: { sampleRate: wav.sampleRate, channels: wav.channels, bitsPerSample: wav.bitsPerSample, seconds, ...(channel === undefined ? {} : { channel }) } };
}

function decodeThermal(bytes: Uint8Array, limits: SampleLimits): AcceptedSample | RefusedSample {
  const maxSide = limits.thermalMaxSide;
  let width: number;
  let height: number;
  let format: AcceptedSample['format'];
  let extra: Record<string, number> = {};
  if (isImage(bytes)) {
    const header = readImageHeader(bytes);
    const size = sizeRefusal(header.width, header.height, limits);
    if (size) return size;
    const image = decodeThermalImage(bytes, { maxBytes: limits.maxFileBytes, maxSide, maxPixels: maxSide * maxSide });
    ({ width, height, format } = image);
    extra = { bitDepth: image.bitDepth };
  } else {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return refused(400, 'invalid_matrix', 'a thermal frame must be a PNG/JPEG image or a CSV/JSON matrix in UTF-8');
    }
    format = /^\s*[[{]/.test(text) ? 'json' : 'csv';
    const matrix = parseThermalMatrix(text, { format, maxWidth: maxSide, maxHeight: maxSide, maxCells: maxSide * maxSide });
    ({ width, height } = matrix);
  }
  return sizeRefusal(width, height, limits) ?? { ok: true, format, summary: { width, height, ...extra } };
}

function sizeRefusal(width: number, height: number, limits: SampleLimits): RefusedSample | undefined {
  const { thermalMinSide: min, thermalMaxSide: max } = limits;
  if (width < min || height < min || width > max || height > max) return refused(422, 'frame_size', `the frame is ${width}×${height} pixels; each side must be ${min}–${max}`);
  return undefined;
}

function isImage(bytes: Uint8Array): boolean {
  const png = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return png || jpeg;
}

/** A telemetry or vibration window: a header of column names, then one row of finite numbers per step. */
function decodeWindow(bytes: Uint8Array, limits: SampleLimits): AcceptedSample | RefusedSample {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refused(400, 'invalid_csv', 'a window must be CSV text in UTF-8');
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length < 2) return refused(400, 'invalid_csv', 'a window needs a header line of column names and at least one row');
  const header = lines[0]!.split(',').map((c) => c.trim());
  if (header.length > limits.windowMaxColumns) return refused(422, 'limit', `${header.length} columns; at most ${limits.windowMaxColumns}`);
  if (header.some((c) => !/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(c))) return refused(400, 'invalid_csv', 'the first line must name the columns (letters, digits, _ . -)');
  const rows = lines.length - 1;
  if (rows > limits.windowMaxRows) return refused(422, 'limit', `${rows} rows; at most ${limits.windowMaxRows}`);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    if (cells.length !== header.length) return refused(400, 'invalid_csv', `line ${r + 1} has ${cells.length} cells; the header names ${header.length}`);
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c]!.trim();
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) return refused(400, 'non_finite', `line ${r + 1}, column '${header[c]}' is not a finite number`);
    }
  }
  return { ok: true, format: 'csv', summary: { rows, columns: header.join(',') } };
}

function refused(status: RefusedSample['status'], error: string, message: string): RefusedSample {
  return { ok: false, status, error, message };
}
