import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { ThermalImageError } from './data-errors.js';
import { readImageHeader } from './image-header.js';
import type { ImageHeader } from './image-header.js';

/** Limits for {@link decodeThermalImage}, checked on the header before decoding. */
export interface DecodeThermalImageOptions {
  /** Largest file, bytes (default 16 MiB). */
  readonly maxBytes?: number;
  /** Largest width and height, pixels (default 2048 each). */
  readonly maxSide?: number;
  /** Most pixels (default 1,048,576: a 1280×820 radiometric frame fits). */
  readonly maxPixels?: number;
}

/** A decoded greyscale infrared image: raw intensities, not yet °C. */
export interface ThermalImage {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  /** Bits per sample in the file: 8 or 16. */
  readonly bitDepth: 8 | 16;
  /** Row-major intensities, 0 … 2^bitDepth − 1 (the alpha channel, if any, is dropped). */
  readonly intensity: Float32Array;
}

// A grey image saved as colour has equal channels; in a JPEG up to chroma rounding.
const PNG_GREY_TOLERANCE = 0;
const JPEG_GREY_TOLERANCE = 4;

/**
 * Decodes an 8- or 16-bit greyscale PNG, or an 8-bit JPEG (baseline or progressive), into
 * intensities. The header is read first and the size checked against the limits, so a small
 * file that declares a huge image is refused without decoding it. A colour image is accepted
 * only when it is grey (equal channels; neutral chroma in a JPEG): a palette or false-colour
 * rendering does not map to temperature monotonically, so it is refused with code `colour`.
 * Everything else throws {@link ThermalImageError} with a `code`.
 */
export function decodeThermalImage(bytes: Uint8Array, options: DecodeThermalImageOptions = {}): ThermalImage {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  if (bytes.length > maxBytes) throw new ThermalImageError('too_large', `image file is ${bytes.length} bytes; the limit is ${maxBytes}`);
  const header = readImageHeader(bytes);
  checkSize(header, options.maxSide ?? 2048, options.maxPixels ?? 1 << 20);
  return header.format === 'png' ? decodePngImage(bytes, header) : decodeJpegImage(bytes, header);
}

function checkSize(header: ImageHeader, maxSide: number, maxPixels: number): void {
  const { width, height } = header;
  if (width > maxSide || height > maxSide) throw new ThermalImageError('too_large', `image is ${width}×${height}; the limit is ${maxSide} pixels per side`);
  if (width * height > maxPixels) throw new ThermalImageError('too_large', `image has ${width * height} pixels; the limit is ${maxPixels}`);
}

function decodePngImage(bytes: Uint8Array, header: ImageHeader): ThermalImage {
  if (header.palette) throw new ThermalImageError('colour', 'PNG uses a colour palette (a false-colour rendering); send the greyscale intensities as an 8- or 16-bit grey PNG');
  if (header.bitDepth !== 8 && header.bitDepth !== 16) throw new ThermalImageError('unsupported_format', `PNG has ${header.bitDepth}-bit samples; 8 or 16 are supported`);
  let png;
  try {
    png = decodePng(bytes);
  } catch (cause) {
    throw new ThermalImageError(isTruncation(cause) ? 'truncated' : 'corrupt', `PNG could not be decoded: ${(cause as Error).message}`, { cause });
  }
  const { width, height, channels, data } = png;
  if (width !== header.width || height !== header.height || data.length < width * height * channels) {
    throw new ThermalImageError('corrupt', `PNG decoded to ${data.length} samples, not ${width}×${height}×${channels}`);
  }
  const colour = channels >= 3;
  const intensity = new Float32Array(width * height);
  for (let i = 0; i < intensity.length; i++) {
    const at = i * channels;
    const v = data[at]!;
    if (colour && (Math.abs(v - data[at + 1]!) > PNG_GREY_TOLERANCE || Math.abs(v - data[at + 2]!) > PNG_GREY_TOLERANCE)) {
      throw new ThermalImageError('colour', `PNG is a colour image (pixel ${i} has different red, green and blue); send greyscale intensities`);
    }
    intensity[i] = v;
  }
  return { format: 'png', width, height, bitDepth: header.bitDepth, intensity };
}

function decodeJpegImage(bytes: Uint8Array, header: ImageHeader): ThermalImage {
  if (header.bitDepth !== 8) throw new ThermalImageError('unsupported_format', `JPEG has ${header.bitDepth}-bit samples; only 8-bit JPEG is supported (use a 16-bit PNG for more)`);
  if (header.jpegFrame !== 0xc0 && header.jpegFrame !== 0xc1 && header.jpegFrame !== 0xc2) {
    throw new ThermalImageError('unsupported_format', `JPEG frame type 0x${header.jpegFrame?.toString(16)} (lossless or arithmetic-coded) is not supported`);
  }
  let decoded;
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: (header.width * header.height) / 1e6 + 1, maxMemoryUsageInMB: 256 });
  } catch (cause) {
    // jpeg-js cannot tell a cut-off file from a damaged one (both end as a missing marker).
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ThermalImageError('corrupt', `JPEG could not be decoded (truncated or corrupt): ${message}`, { cause });
  }
  // jpeg-js always returns RGB (a grey JPEG replicated into three equal channels).
  const { width, height, data } = decoded;
  if (width !== header.width || height !== header.height || data.length !== width * height * 3) {
    throw new ThermalImageError('corrupt', `JPEG decoded to ${data.length} samples, not ${header.width}×${header.height}×3`);
  }
  const intensity = new Float32Array(width * height);
  for (let i = 0; i < intensity.length; i++) {
    const r = data[i * 3]!;
    const g = data[i * 3 + 1]!;
    const b = data[i * 3 + 2]!;
    if (Math.abs(r - g) > JPEG_GREY_TOLERANCE || Math.abs(g - b) > JPEG_GREY_TOLERANCE) {
      throw new ThermalImageError('colour', `JPEG is a colour image (pixel ${i} has different red, green and blue); send greyscale intensities`);
    }
    // BT.601 luma: exactly the grey level of a grey image, whatever rounding left in the channels.
    intensity[i] = 0.299 * r + 0.587 * g + 0.114 * b;
  }
  return { format: 'jpeg', width, height, bitDepth: 8, intensity };
}

function isTruncation(cause: unknown): boolean {
  return cause instanceof Error && /end of|out of range|outside the bounds|unexpected end|incomplete|offset/i.test(cause.message);
}
