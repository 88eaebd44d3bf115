import type { FrameKind } from './topics.js';

/**
 * Binary sensor frame, little-endian, 32-byte header then payload:
 *
 * | off | size | field                                                  |
 * |-----|------|--------------------------------------------------------|
 * | 0   | 4    | magic "PMFR"                                           |
 * | 4   | 1    | format version (1)                                     |
 * | 5   | 1    | kind: 1 acoustic, 2 thermal                            |
 * | 6   | 1    | encoding: 1 pcm_s16le, 2 f32le (°C), 3 image           |
 * | 7   | 1    | flags (reserved, 0)                                    |
 * | 8   | 8    | device timestamp, ms since the Unix epoch (float64)    |
 * | 16  | 4    | sequence number (uint32, per device)                   |
 * | 20  | 4    | acoustic: sample rate (Hz);  thermal: width            |
 * | 24  | 4    | acoustic: sample count;      thermal: height           |
 * | 28  | 4    | payload length in bytes                                |
 *
 * The header declares the shape, so a frame can be validated without outside context.
 *
 * Encoding 3 (thermal only): a greyscale PNG (8/16-bit) or JPEG (8-bit) as the camera wrote
 * it, after its temperature range — payload = float32 minC, float32 maxC (both NaN: no scale,
 * raw intensities), then the image file; width and height are the image's. The codec checks
 * the range and the file's signature; the pixels are decoded where the frame is scored (a bad
 * image is dead-lettered there with the reason).
 */
export const FRAME_MAGIC = 0x52464d50; // "PMFR" read as little-endian uint32
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;

export const FRAME_LIMITS = {
  acoustic: { minSampleRate: 8_000, maxSampleRate: 48_000, minSeconds: 0.1, maxSeconds: 4 },
  thermal: { minSide: 4, maxSide: 160, minCelsius: -60, maxCelsius: 1_000 },
} as const;

/** Largest frame the platform accepts on any channel (4 s of 48 kHz audio plus header). */
export const MAX_FRAME_BYTES = FRAME_HEADER_BYTES + FRAME_LIMITS.acoustic.maxSampleRate * FRAME_LIMITS.acoustic.maxSeconds * 2;

export interface AcousticFrame {
  readonly kind: 'acoustic';
  readonly ts: number;
  readonly seq: number;
  readonly sampleRate: number;
  /** Mono PCM samples, signed 16-bit. */
  readonly samples: Int16Array;
}

export interface ThermalFrame {
  readonly kind: 'thermal';
  readonly ts: number;
  readonly seq: number;
  readonly width: number;
  readonly height: number;
  /** Row-major temperatures in °C, `width × height` values. */
  readonly celsius: Float32Array;
}

/** A thermal frame carried as the camera's image file (encoding 3). */
export interface ThermalImageFrame {
  readonly kind: 'thermal';
  readonly ts: number;
  readonly seq: number;
  /** The image's width and height, pixels (as its own header says). */
  readonly width: number;
  readonly height: number;
  /** The PNG or JPEG file. */
  readonly image: Uint8Array;
  /** °C of intensity 0 and of full scale, when the camera states them; absent = raw intensities. */
  readonly scale?: { readonly minC: number; readonly maxC: number };
}

export type Frame = AcousticFrame | ThermalFrame | ThermalImageFrame;

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const KIND_CODE: Record<FrameKind, number> = { acoustic: 1, thermal: 2 };
const ENCODING_PCM_S16LE = 1;
const ENCODING_F32LE = 2;
const ENCODING_IMAGE = 3;
/** Bytes of the temperature range before an image (two float32). */
const IMAGE_SCALE_BYTES = 8;

/** Encodes a frame into its wire form. Throws on a frame that would not decode (a programming error). */
export function encodeFrame(frame: Frame): Uint8Array {
  const payload =
    frame.kind === 'acoustic'
      ? new Uint8Array(frame.samples.buffer, frame.samples.byteOffset, frame.samples.byteLength)
      : 'image' in frame
        ? imagePayload(frame)
        : new Uint8Array(frame.celsius.buffer, frame.celsius.byteOffset, frame.celsius.byteLength);
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, FRAME_VERSION);
  view.setUint8(5, KIND_CODE[frame.kind]);
  view.setUint8(6, frame.kind === 'acoustic' ? ENCODING_PCM_S16LE : 'image' in frame ? ENCODING_IMAGE : ENCODING_F32LE);
  view.setFloat64(8, frame.ts, true);
  view.setUint32(16, frame.seq, true);
  if (frame.kind === 'acoustic') {
    view.setUint32(20, frame.sampleRate, true);
    view.setUint32(24, frame.samples.length, true);
  } else {
    view.setUint32(20, frame.width, true);
    view.setUint32(24, frame.height, true);
  }
  view.setUint32(28, payload.byteLength, true);
  out.set(payload, FRAME_HEADER_BYTES);
  // Little-endian hosts only (x64, arm64): typed arrays share the wire byte order.
  const check = decodeFrame(out);
  if (!check.ok) throw new RangeError(`cannot encode frame: ${check.reason}`);
  return out;
}

/** The header fields, readable before the payload is validated (for dead-letter records). */
export interface FrameHeader {
  readonly kind: FrameKind;
  readonly ts: number;
  readonly seq: number;
}

/**
 * Decodes and validates a frame: magic, version, kind, encoding, declared shape against the
 * payload length, shape limits, and finite values. Never throws on bad input.
 */
export function decodeFrame(bytes: Uint8Array, expectedKind?: FrameKind): DecodeResult<Frame> {
  if (bytes.byteLength < FRAME_HEADER_BYTES) {
    return fail(`frame is ${bytes.byteLength} bytes, shorter than the ${FRAME_HEADER_BYTES}-byte header`);
  }
  if (bytes.byteLength > MAX_FRAME_BYTES) return fail(`frame is ${bytes.byteLength} bytes, above the ${MAX_FRAME_BYTES}-byte limit`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return fail('not a Premonitor frame (bad magic)');
  const version = view.getUint8(4);
  if (version !== FRAME_VERSION) return fail(`unsupported frame version ${version}`);
  const kindCode = view.getUint8(5);
  const kind: FrameKind | undefined = kindCode === 1 ? 'acoustic' : kindCode === 2 ? 'thermal' : undefined;
  if (!kind) return fail(`unknown frame kind code ${kindCode}`);
  if (expectedKind && kind !== expectedKind) return fail(`frame kind '${kind}' does not match topic kind '${expectedKind}'`);
  const encoding = view.getUint8(6);
  // Reserved: a non-zero value would be silently lost on re-encoding, so it is refused.
  const flags = view.getUint8(7);
  if (flags !== 0) return fail(`reserved flags byte is ${flags}, must be 0`);
  const ts = view.getFloat64(8, true);
  if (!Number.isFinite(ts) || ts < 0) return fail('frame timestamp is not a finite, non-negative number');
  const seq = view.getUint32(16, true);
  const dim0 = view.getUint32(20, true);
  const dim1 = view.getUint32(24, true);
  const payloadBytes = view.getUint32(28, true);
  const actualPayload = bytes.byteLength - FRAME_HEADER_BYTES;
  if (payloadBytes !== actualPayload) {
    return fail(`header declares a ${payloadBytes}-byte payload but ${actualPayload} bytes follow`);
  }
  // Copy so the result never aliases a pooled network buffer and is always aligned. Not
  // `bytes.slice()`: on a Node Buffer that returns a view into the shared pool.
  const payload = new Uint8Array(bytes.subarray(FRAME_HEADER_BYTES));

  if (kind === 'acoustic') {
    if (encoding !== ENCODING_PCM_S16LE) return fail(`acoustic frames must be pcm_s16le (encoding 1), got ${encoding}`);
    const { minSampleRate, maxSampleRate, minSeconds, maxSeconds } = FRAME_LIMITS.acoustic;
    if (dim0 < minSampleRate || dim0 > maxSampleRate) {
      return fail(`sample rate ${dim0} Hz is outside ${minSampleRate}–${maxSampleRate} Hz`);
    }
    const seconds = dim1 / dim0;
    if (seconds < minSeconds || seconds > maxSeconds) {
      return fail(`clip of ${seconds.toFixed(3)} s is outside ${minSeconds}–${maxSeconds} s`);
    }
    if (payloadBytes !== dim1 * 2) return fail(`shape declares ${dim1} samples (${dim1 * 2} bytes) but the payload has ${payloadBytes} bytes`);
    return { ok: true, value: { kind, ts, seq, sampleRate: dim0, samples: new Int16Array(payload.buffer) } };
  }

  if (encoding !== ENCODING_F32LE && encoding !== ENCODING_IMAGE) return fail(`thermal frames must be f32le (encoding 2) or an image (encoding 3), got ${encoding}`);
  const { minSide, maxSide, minCelsius, maxCelsius } = FRAME_LIMITS.thermal;
  if (dim0 < minSide || dim0 > maxSide || dim1 < minSide || dim1 > maxSide) {
    return fail(`thermal shape ${dim0}×${dim1} is outside ${minSide}–${maxSide} per side`);
  }
  if (encoding === ENCODING_IMAGE) return decodeImagePayload(payload, { ts, seq, width: dim0, height: dim1 });
  if (payloadBytes !== dim0 * dim1 * 4) {
    return fail(`shape declares ${dim0}×${dim1} = ${dim0 * dim1} values (${dim0 * dim1 * 4} bytes) but the payload has ${payloadBytes} bytes`);
  }
  const celsius = new Float32Array(payload.buffer);
  for (let i = 0; i < celsius.length; i++) {
    const v = celsius[i]!;
    if (!Number.isFinite(v)) return fail(`value ${i} is not finite (${v})`);
    if (v < minCelsius || v > maxCelsius) return fail(`value ${i} (${v} °C) is outside ${minCelsius}–${maxCelsius} °C`);
  }
  return { ok: true, value: { kind, ts, seq, width: dim0, height: dim1, celsius } };
}

function imagePayload(frame: ThermalImageFrame): Uint8Array {
  const out = new Uint8Array(IMAGE_SCALE_BYTES + frame.image.byteLength);
  const view = new DataView(out.buffer);
  view.setFloat32(0, frame.scale?.minC ?? Number.NaN, true);
  view.setFloat32(4, frame.scale?.maxC ?? Number.NaN, true);
  out.set(frame.image, IMAGE_SCALE_BYTES);
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function decodeImagePayload(payload: Uint8Array, head: { ts: number; seq: number; width: number; height: number }): DecodeResult<Frame> {
  if (payload.byteLength <= IMAGE_SCALE_BYTES) return fail(`image frame has ${payload.byteLength} payload bytes: a temperature range (8 bytes) and an image file are needed`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const minC = view.getFloat32(0, true);
  const maxC = view.getFloat32(4, true);
  const image = payload.subarray(IMAGE_SCALE_BYTES);
  const png = image.byteLength >= 8 && PNG_SIGNATURE.every((b, i) => image[i] === b);
  const jpeg = image.byteLength >= 2 && image[0] === 0xff && image[1] === 0xd8;
  if (!png && !jpeg) return fail('image frame holds neither a PNG nor a JPEG file (no signature)');
  if (Number.isNaN(minC) && Number.isNaN(maxC)) return { ok: true, value: { kind: 'thermal', ...head, image } };
  const { minCelsius, maxCelsius } = FRAME_LIMITS.thermal;
  if (!Number.isFinite(minC) || !Number.isFinite(maxC) || !(maxC > minC)) return fail(`image temperature range ${minC}…${maxC} °C must be two finite numbers, rising (or both NaN for none)`);
  if (minC < minCelsius || maxC > maxCelsius) return fail(`image temperature range ${minC}…${maxC} °C is outside ${minCelsius}–${maxCelsius} °C`);
  return { ok: true, value: { kind: 'thermal', ...head, image, scale: { minC, maxC } } };
}

/** Reads kind, timestamp and sequence from a header without validating the payload. */
export function peekFrameHeader(bytes: Uint8Array): FrameHeader | undefined {
  if (bytes.byteLength < FRAME_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return undefined;
  const code = view.getUint8(5);
  const kind: FrameKind | undefined = code === 1 ? 'acoustic' : code === 2 ? 'thermal' : undefined;
  if (!kind) return undefined;
  return { kind, ts: view.getFloat64(8, true), seq: view.getUint32(16, true) };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
