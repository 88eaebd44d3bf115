import { InputLimitError, WavFormatError } from './data-errors.js';
import { readWavHeader } from './wav-header.js';
import { checkWavLimits, type WavLimits } from './wav-limits.js';

/** Limits for `readWav`. */
export interface ReadWavOptions {
  /** Largest file accepted, bytes (default 64 MiB ≈ 6 min of 48 kHz stereo 24-bit). */
  readonly maxBytes?: number;
  /** Rate, duration and channel bounds checked on the header before any sample is decoded. */
  readonly limits?: WavLimits;
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

/**
 * Decodes a RIFF/WAVE file: integer PCM of 8 (unsigned), 16, 24 or 32 bits and IEEE float
 * of 32 or 64 bits, plain or WAVE_FORMAT_EXTENSIBLE; chunks other than `fmt ` and `data`
 * (LIST, fact, cue, …) are skipped. A malformed file throws `WavFormatError` with a `code`;
 * one beyond `maxBytes` or `limits` throws `InputLimitError` before any sample is decoded.
 */
export function readWav(bytes: Uint8Array, options: ReadWavOptions = {}): WavAudio {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (bytes.length > maxBytes) throw new InputLimitError('size', bytes.length, `at most ${maxBytes} bytes`, `WAV file is ${bytes.length} bytes; the limit is ${maxBytes}`);
  const header = readWavHeader(bytes);
  if (options.limits) checkWavLimits(header, options.limits);
  const { encoding, channels, sampleRate, bitsPerSample: bits, blockAlign, frames } = header;
  const only = options.channel;
  if (only !== undefined && !(Number.isInteger(only) && only >= 0 && only < channels)) {
    throw new WavFormatError('bad_channel', `channel ${only} asked for; the file has ${channels} (0 … ${channels - 1})`);
  }
  const bytesPerSample = bits / 8;
  const samples = new Float32Array(frames);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, header.dataBytes);
  const read = sampleReader(encoding, bits, dv);
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

function sampleReader(encoding: 'pcm' | 'float', bits: number, dv: DataView): (at: number) => number {
  if (encoding === 'float') return bits === 32 ? (at) => dv.getFloat32(at, true) : (at) => dv.getFloat64(at, true);
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
