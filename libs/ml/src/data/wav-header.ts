import { WavFormatError } from './data-errors.js';

/** What a WAV file declares about its audio, read without decoding a sample. */
export interface WavHeader {
  /** `pcm` (integer) or `float` (IEEE), after unwrapping WAVE_FORMAT_EXTENSIBLE. */
  readonly encoding: 'pcm' | 'float';
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Bytes per frame (one sample of every channel). */
  readonly blockAlign: number;
  /** Where the `data` chunk's samples start in the file, bytes. */
  readonly dataOffset: number;
  /** Length of the `data` chunk, bytes (a trailing partial frame included). */
  readonly dataBytes: number;
  /** Whole frames in the data chunk. */
  readonly frames: number;
  /** frames / sampleRate. */
  readonly durationSeconds: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Reads the RIFF/WAVE chunk list and the `fmt ` chunk, and checks that they are consistent,
 * in time proportional to the number of chunks, not the audio: integer PCM of 8, 16, 24 or 32
 * bits or IEEE float of 32 or 64 bits (plain or WAVE_FORMAT_EXTENSIBLE); a block align that is
 * channels × bytes per sample; a rate and a channel count above zero; a `data` chunk that fits
 * in the file. A header that lies about any of these throws `WavFormatError` with a `code`,
 * so a caller can refuse a file before paying for decoding it.
 */
export function readWavHeader(bytes: Uint8Array): WavHeader {
  if (bytes.length < 12) throw new WavFormatError('truncated', `WAV file is only ${bytes.length} bytes; a RIFF header needs 12`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WAVE') {
    const hint = fourCc(bytes, 0) === 'RF64' ? ' (RF64 is not supported)' : fourCc(bytes, 0) === 'RIFX' ? ' (big-endian RIFX is not supported)' : '';
    throw new WavFormatError('not_riff', `not a RIFF/WAVE file${hint}`);
  }

  let format: { code: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourCc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      if (body + size > bytes.length) throw new WavFormatError('truncated', `data chunk declares ${size} bytes but only ${bytes.length - body} follow`);
      data = { offset: body, size };
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
  const supported = (code === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bits)) || (code === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64));
  if (!supported) throw new WavFormatError('unsupported_format', `unsupported WAV encoding: format code 0x${code.toString(16)} with ${bits} bits per sample`);
  if (channels < 1 || sampleRate < 1 || blockAlign !== (channels * bits) / 8) {
    throw new WavFormatError('corrupt', `inconsistent fmt chunk: ${channels} channels, ${sampleRate} Hz, ${bits} bits, block align ${blockAlign}`);
  }
  // A trailing partial frame (seen from some recorders) is dropped rather than rejected.
  const frames = Math.floor(data.size / blockAlign);
  return {
    encoding: code === WAVE_FORMAT_PCM ? 'pcm' : 'float',
    channels,
    sampleRate,
    bitsPerSample: bits,
    blockAlign,
    dataOffset: data.offset,
    dataBytes: data.size,
    frames,
    durationSeconds: frames / sampleRate,
  };
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

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}
