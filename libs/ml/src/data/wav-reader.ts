import { WavFormatError } from './data-errors.js';

/** Limits for `readWav`. */
export interface ReadWavOptions {
  /** Largest file accepted, bytes (default 64 MiB ≈ 6 min of 48 kHz stereo 24-bit). */
  readonly maxBytes?: number;
  /**
   * Read this one channel (0-based) instead of the mean of all: the channels of a microphone
   * array hear the same moment with different delays, so their mean is a comb-filtered
   * sound no single microphone of a deployed device would record.
   */
  readonly channel?: number;
}

/** A decoded WAV file, mixed down to mono (or one chosen channel). */
export interface WavAudio {
  readonly sampleRate: number;
  /** Channels in the file (the samples are their mean). */
  readonly channels: number;
  /** Bits per sample in the file. */
  readonly bitsPerSample: number;
  /** Mono samples, full scale ±1: the mean of the channels, or `options.channel`. */
  readonly samples: Float32Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Decodes a RIFF/WAVE file: integer PCM of 8 (unsigned), 16, 24 or 32 bits and IEEE float
 * of 32 or 64 bits, plain or WAVE_FORMAT_EXTENSIBLE; chunks other than `fmt ` and `data`
 * (LIST, fact, cue, …) are skipped. Anything else throws `WavFormatError` with a `code`.
 */
export function readWav(bytes: Uint8Array, options: ReadWavOptions = {}): WavAudio {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (bytes.length > maxBytes) throw new WavFormatError('too_large', `WAV file is ${bytes.length} bytes; the limit is ${maxBytes}`);
  if (bytes.length < 12) throw new WavFormatError('truncated', `WAV file is only ${bytes.length} bytes; a RIFF header needs 12`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WAVE') {
    const hint = fourCc(bytes, 0) === 'RF64' ? ' (RF64 is not supported)' : fourCc(bytes, 0) === 'RIFX' ? ' (big-endian RIFX is not supported)' : '';
    throw new WavFormatError('not_riff', `not a RIFF/WAVE file${hint}`);
  }

  let format: { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourCc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      if (body + size > bytes.length) throw new WavFormatError('truncated', `data chunk declares ${size} bytes but only ${bytes.length - body} follow`);
      data = bytes.subarray(body, body + size);
    } else if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw new WavFormatError(size < 16 ? 'corrupt' : 'truncated', `fmt chunk of ${size} bytes is incomplete`);
      format = readFormat(view, body, size);
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    offset = body + size + (size & 1);
  }
  if (!format) throw new WavFormatError(data ? 'corrupt' : 'truncated', 'no fmt chunk found');
  if (!data) throw new WavFormatError('truncated', 'no data chunk found');

  const { code, channels, sampleRate, bits, blockAlign } = format;
  const bytesPerSample = bits / 8;
  const supported = (code === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bits)) || (code === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64));
  if (!supported) throw new WavFormatError('unsupported_format', `unsupported WAV encoding: format code 0x${code.toString(16)} with ${bits} bits per sample`);
  if (channels < 1 || sampleRate < 1 || blockAlign !== channels * bytesPerSample) {
    throw new WavFormatError('corrupt', `inconsistent fmt chunk: ${channels} channels, ${sampleRate} Hz, block align ${blockAlign}`);
  }

  const only = options.channel;
  if (only !== undefined && !(Number.isInteger(only) && only >= 0 && only < channels)) {
    throw new WavFormatError('bad_channel', `channel ${only} asked for; the file has ${channels} (0 … ${channels - 1})`);
  }
  // A trailing partial frame (seen from some recorders) is dropped rather than rejected.
  const frames = Math.floor(data.length / blockAlign);
  const samples = new Float32Array(frames);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = sampleReader(code, bits, dv);
  for (let f = 0; f < frames; f++) {
    if (only !== undefined) {
      samples[f] = read(f * blockAlign + only * bytesPerSample);
      continue;
    }
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(f * blockAlign + c * bytesPerSample);
    samples[f] = sum / channels;
  }
  return { sampleRate, channels, bitsPerSample: bits, samples };
}

function readFormat(view: DataView, at: number, size: number): { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number } {
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) then the SubFormat GUID, whose first two bytes
    // are the plain format code.
    if (size < 40) throw new WavFormatError('corrupt', `WAVE_FORMAT_EXTENSIBLE fmt chunk needs 40 bytes, has ${size}`);
    code = view.getUint16(at + 24, true);
  }
  return { code, channels, sampleRate, blockAlign, bits };
}

function sampleReader(code: number, bits: number, dv: DataView): (at: number) => number {
  if (code === WAVE_FORMAT_IEEE_FLOAT) return bits === 32 ? (at) => dv.getFloat32(at, true) : (at) => dv.getFloat64(at, true);
  switch (bits) {
    case 8:
      return (at) => (dv.getUint8(at) - 128) / 128;
    case 16:
      return (at) => dv.getInt16(at, true) / 32768;
    case 24:
      return (at) => ((dv.getUint8(at) | (dv.getUint8(at + 1) << 8) | (dv.getInt8(at + 2) << 16)) / 8388608);
    default:
      return (at) => dv.getInt32(at, true) / 2147483648;
  }
}

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}
