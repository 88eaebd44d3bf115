import { ThermalImageError } from './data-errors.js';

/** What an image file declares about itself before any pixel is decoded. */
export interface ImageHeader {
  readonly format: 'png' | 'jpeg';
  readonly width: number;
  readonly height: number;
  /** Bits per sample: PNG 1–16, JPEG 8 or 12. */
  readonly bitDepth: number;
  /** Samples per pixel: 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha (PNG palette: 3). */
  readonly channels: number;
  /** PNG colour type 3: pixels index a palette (a false-colour rendering, not intensities). */
  readonly palette: boolean;
  /** JPEG only: the frame type (0xC0 baseline, 0xC1 extended, 0xC2 progressive, …). */
  readonly jpegFrame?: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/**
 * Reads width, height, bit depth and channels from a PNG's IHDR or a JPEG's SOF marker, so a
 * caller can refuse an image by its size before decoding it (a small file can declare a huge
 * image). Throws {@link ThermalImageError} for anything that is neither.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return pngHeader(bytes);
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegHeader(bytes);
  throw new ThermalImageError('unsupported_format', 'not a PNG or JPEG file (no PNG signature or JPEG start-of-image marker)');
}

function pngHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 33) throw new ThermalImageError('truncated', `PNG file is only ${bytes.length} bytes; its IHDR chunk ends at byte 33`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR' || view.getUint32(8) !== 13) throw new ThermalImageError('corrupt', 'PNG file does not start with a 13-byte IHDR chunk');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24]!;
  const colourType = bytes[25]!;
  const channels = PNG_CHANNELS[colourType];
  if (channels === undefined) throw new ThermalImageError('corrupt', `PNG colour type ${colourType} does not exist`);
  if (width === 0 || height === 0) throw new ThermalImageError('corrupt', `PNG declares an empty image (${width}×${height})`);
  return { format: 'png', width, height, bitDepth, channels, palette: colourType === 3 };
}

// Start-of-frame markers; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegHeader(bytes: Uint8Array): ImageHeader {
  let offset = 2;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) throw new ThermalImageError('corrupt', `JPEG marker expected at byte ${offset}`);
    // Any number of 0xFF fill bytes may precede a marker code.
    while (offset < bytes.length && bytes[offset] === 0xff) offset++;
    const marker = bytes[offset++];
    if (marker === undefined) break;
    // Markers without a length: TEM and restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) throw new ThermalImageError('corrupt', 'JPEG image data starts before any frame header (SOF)');
    if (offset + 2 > bytes.length) break;
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    if (length < 2) throw new ThermalImageError('corrupt', `JPEG segment at byte ${offset} declares length ${length}`);
    if (SOF_MARKERS.has(marker)) {
      if (offset + 8 > bytes.length) break;
      const bitDepth = bytes[offset + 2]!;
      const height = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
      const width = (bytes[offset + 5]! << 8) | bytes[offset + 6]!;
      const channels = bytes[offset + 7]!;
      if (width === 0 || height === 0) throw new ThermalImageError('corrupt', `JPEG declares a ${width}×${height} frame (a height set later by DNL is not supported)`);
      if (channels !== 1 && channels !== 3) throw new ThermalImageError('unsupported_format', `JPEG with ${channels} components is not supported (1 grey or 3 YCbCr)`);
      return { format: 'jpeg', width, height, bitDepth, channels, palette: false, jpegFrame: marker };
    }
    offset += length;
  }
  throw new ThermalImageError('truncated', 'JPEG file ends before its frame header (SOF)');
}
