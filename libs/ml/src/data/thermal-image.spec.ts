import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { ThermalImageError, TemperatureScaleError } from './data-errors.js';
import { readImageHeader } from './image-header.js';
import { decodeThermalImage } from './thermal-image.js';
import { applyTemperatureScale, thermalImageRaster } from './temperature-scale.js';

const W = 6;
const H = 4;
const ramp8 = Uint8Array.from({ length: W * H }, (_, i) => i * 10);
const ramp16 = Uint16Array.from({ length: W * H }, (_, i) => 29315 + i * 100); // 20.00 °C + 1 °C steps, in centikelvin

function greyJpeg(values: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  values.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
  return new Uint8Array(jpeg.encode({ width, height, data: rgba }, 100).data);
}

function rejects(bytes: Uint8Array, code: string, pattern: RegExp, options = {}): void {
  assert.throws(() => decodeThermalImage(bytes, options), (err: unknown) => err instanceof ThermalImageError && err.code === code && pattern.test(err.message));
}

test('decodes an 8-bit grey PNG to its exact intensities', () => {
  const image = decodeThermalImage(encodePng({ width: W, height: H, data: ramp8, channels: 1, depth: 8 }));
  assert.deepEqual([image.format, image.width, image.height, image.bitDepth], ['png', W, H, 8]);
  assert.deepEqual([...image.intensity], [...ramp8]);
});

test('decodes a 16-bit grey PNG without rescaling to 8 bits', () => {
  const image = decodeThermalImage(encodePng({ width: W, height: H, data: ramp16, channels: 1, depth: 16 }));
  assert.equal(image.bitDepth, 16);
  assert.deepEqual([...image.intensity], [...ramp16]);
});

test('accepts a grey image stored as RGB or grey+alpha PNG, and drops the alpha', () => {
  const rgb = new Uint8Array(W * H * 3);
  ramp8.forEach((v, i) => rgb.set([v, v, v], i * 3));
  assert.deepEqual([...decodeThermalImage(encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 })).intensity], [...ramp8]);
  const ga = new Uint8Array(W * H * 2);
  ramp8.forEach((v, i) => ga.set([v, 7], i * 2));
  assert.deepEqual([...decodeThermalImage(encodePng({ width: W, height: H, data: ga, channels: 2, depth: 8 })).intensity], [...ramp8]);
});

test('decodes a grey JPEG to intensities within JPEG rounding', () => {
  const image = decodeThermalImage(greyJpeg(ramp8, W, H));
  assert.deepEqual([image.format, image.width, image.height, image.bitDepth], ['jpeg', W, H, 8]);
  image.intensity.forEach((v, i) => assert.ok(Math.abs(v - ramp8[i]!) <= 3, `pixel ${i}: ${v} vs ${ramp8[i]}`));
});

test('decodes every sampled image of the shared thermal-ir set as 24×40 8-bit', { skip: !existsSync(sharedImage(0)) && 'shared thermal-ir data not found (set PM_SHARED_DATA_DIR)' }, () => {
  for (const id of [0, 4845, 10001]) {
    const image = decodeThermalImage(readFileSync(sharedImage(id)));
    assert.deepEqual([image.width, image.height, image.bitDepth], [24, 40, 8]);
    assert.ok(image.intensity.some((v) => v > 0));
  }
});

test('refuses colour images: a false-colour PNG, an RGB PNG with unequal channels, a colour JPEG', () => {
  const png = encodePng({ width: W, height: H, data: ramp8, channels: 1, depth: 8 });
  const palette = png.slice();
  palette[25] = 3; // colour type in IHDR: refused from the header, before any decoding
  rejects(palette, 'colour', /palette/);
  const rgb = new Uint8Array(W * H * 3).fill(100);
  rgb[7] = 180;
  rejects(encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 }), 'colour', /pixel 2/);
  const rgba = new Uint8Array(W * H * 4).fill(255);
  for (let i = 0; i < W * H; i++) rgba.set([200, 40, 40, 255], i * 4);
  rejects(new Uint8Array(jpeg.encode({ width: W, height: H, data: rgba }, 90).data), 'colour', /colour image/);
});

test('refuses malformed files with a reason: empty, not an image, truncated, corrupt, low bit depth', () => {
  rejects(new Uint8Array(), 'unsupported_format', /not a PNG or JPEG/);
  rejects(new TextEncoder().encode('x,y\n1,2\n'), 'unsupported_format', /not a PNG or JPEG/);
  const png = encodePng({ width: W, height: H, data: ramp8, channels: 1, depth: 8 });
  rejects(png.subarray(0, 20), 'truncated', /IHDR/);
  rejects(png.subarray(0, png.length - 20), 'truncated', /PNG could not be decoded/);
  const damaged = png.slice();
  damaged.fill(0x55, 41, 60); // inside the IDAT data
  assert.throws(() => decodeThermalImage(damaged), (err: unknown) => err instanceof ThermalImageError && /PNG could not be decoded/.test(err.message));
  const jpg = greyJpeg(ramp8, W, H);
  rejects(jpg.subarray(0, 10), 'truncated', /before its frame header/);
  rejects(jpg.subarray(0, jpg.length - 40), 'corrupt', /JPEG could not be decoded/);
  rejects(encodePng({ width: 8, height: 2, data: new Uint8Array(4), channels: 1, depth: 2 }), 'unsupported_format', /2-bit/);
});

test('refuses an image that declares too many pixels before decoding it', () => {
  const png = encodePng({ width: W, height: H, data: ramp8, channels: 1, depth: 8 });
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 60_000); // width in IHDR; the pixel data is never read
  rejects(huge, 'too_large', /60000×4/);
  rejects(png, 'too_large', /24 pixels; the limit is 20/, { maxPixels: 20 });
  rejects(png, 'too_large', /bytes; the limit/, { maxBytes: 10 });
  assert.deepEqual(readImageHeader(huge), { format: 'png', width: 60_000, height: H, bitDepth: 8, channels: 1, palette: false });
});

test('a range scale maps 0 and full scale to its ends; a linear scale converts radiometric counts', () => {
  const image = decodeThermalImage(encodePng({ width: W, height: H, data: ramp8, channels: 1, depth: 8 }));
  const raster = thermalImageRaster(image, { kind: 'range', minC: 20, maxC: 71 });
  assert.equal(raster.units, 'celsius');
  assert.ok(Math.abs(raster.values[0]! - 20) < 1e-6 && Math.abs(raster.values[1]! - 22) < 1e-5);
  const counts = decodeThermalImage(encodePng({ width: W, height: H, data: ramp16, channels: 1, depth: 16 }));
  const celsius = applyTemperatureScale(counts.intensity, 16, { kind: 'linear', gainC: 0.01, offsetC: -273.15 });
  assert.ok(Math.abs(celsius[0]! - 20) < 1e-4 && Math.abs(celsius[W * H - 1]! - 43) < 1e-3);
  assert.deepEqual(thermalImageRaster(image).units, 'intensity');
});

test('refuses a temperature scale that is inverted, not finite or maps to implausible °C', () => {
  const values = Float32Array.of(0, 255);
  assert.throws(() => applyTemperatureScale(values, 8, { kind: 'range', minC: 50, maxC: 20 }), TemperatureScaleError);
  assert.throws(() => applyTemperatureScale(values, 8, { kind: 'range', minC: Number.NaN, maxC: 20 }), TemperatureScaleError);
  assert.throws(() => applyTemperatureScale(values, 8, { kind: 'linear', gainC: 0, offsetC: 0 }), /gain must be positive/);
  assert.throws(() => applyTemperatureScale(values, 8, { kind: 'linear', gainC: 10, offsetC: 0 }), /pixel 1: intensity 255 maps to 2550.00 °C/);
});

function sharedImage(id: number): string {
  const here = new URL('../../../..', import.meta.url).pathname;
  return resolve(process.env['PM_SHARED_DATA_DIR'] ?? resolve(here, '../shared/data'), 'thermal-ir/images', `${id}.jpg`);
}
