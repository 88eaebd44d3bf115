import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { crc32, encodePng } from './png-encoder.js';

test('CRC-32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('encodes an RGB image whose IDAT inflates to filter-0 scanlines of the pixels', () => {
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
  const png = encodePng(2, 2, rgb);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), 'IHDR');
  assert.equal(view.getUint32(16), 2);
  assert.equal(view.getUint32(20), 2);
  assert.deepEqual([...png.subarray(24, 26)], [8, 2]);
  const idatLength = view.getUint32(33);
  assert.equal(new TextDecoder().decode(png.subarray(37, 41)), 'IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  assert.deepEqual([...raw], [0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 9, 9, 9]);
  assert.equal(view.getUint32(41 + idatLength), crc32(png.subarray(37, 41 + idatLength)));
});

test('rejects a pixel buffer of the wrong size', () => {
  assert.throws(() => encodePng(2, 2, new Uint8Array(3)), RangeError);
});
