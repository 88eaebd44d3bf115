import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './frame-codec.js';

const thermal = () => ({ kind: 'thermal' as const, ts: 1_700_000_000_000, seq: 9, width: 32, height: 24, celsius: Float32Array.from({ length: 768 }, (_, i) => 20 + (i % 7)) });

describe('frame codec', () => {
  it('round-trips a thermal frame', () => {
    const decoded = decodeFrame(encodeFrame(thermal()));
    assert.ok(decoded.ok);
    assert.equal(decoded.value.kind, 'thermal');
    assert.deepEqual(decoded.ok && 'celsius' in decoded.value && Array.from(decoded.value.celsius.slice(0, 8)), [20, 21, 22, 23, 24, 25, 26, 20]);
  });

  it('decodes a frame that sits at an odd offset inside a larger buffer (as network buffers do)', () => {
    const bytes = encodeFrame(thermal());
    const pool = Buffer.alloc(bytes.byteLength + 3);
    pool.set(bytes, 3);
    const decoded = decodeFrame(pool.subarray(3));
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
  });

  it('round-trips an acoustic frame', () => {
    const samples = Int16Array.from({ length: 16_000 }, (_, i) => Math.round(1000 * Math.sin(i / 10)));
    const decoded = decodeFrame(encodeFrame({ kind: 'acoustic', ts: 5, seq: 1, sampleRate: 16_000, samples }));
    assert.ok(decoded.ok && decoded.value.kind === 'acoustic');
    assert.deepEqual(decoded.ok && decoded.value.kind === 'acoustic' && decoded.value.samples, samples);
  });

  it('rejects a header whose declared payload length disagrees with the bytes', () => {
    const bytes = encodeFrame(thermal());
    const r = decodeFrame(bytes.subarray(0, bytes.byteLength - 8));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /declares a 3072-byte payload/);
  });

  it('rejects non-finite temperatures', () => {
    const bytes = encodeFrame(thermal());
    new DataView(bytes.buffer).setFloat32(FRAME_HEADER_BYTES + 4 * 10, Number.NaN, true);
    const r = decodeFrame(bytes);
    assert.match(!r.ok ? r.reason : '', /value 10 is not finite/);
  });

  it('rejects frames above the size limit and garbage', () => {
    assert.equal(decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)).ok, false);
    assert.equal(decodeFrame(new Uint8Array(10)).ok, false);
    assert.match((decodeFrame(new Uint8Array(64)) as { reason: string }).reason, /bad magic/);
  });

  it('refuses to encode an invalid frame', () => {
    assert.throws(() => encodeFrame({ ...thermal(), width: 2 }), /cannot encode frame/);
  });

  it('carries a thermal image file with its temperature range, or without one', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const scaled = decodeFrame(encodeFrame({ kind: 'thermal', ts: 5, seq: 1, width: 24, height: 40, image: png, scale: { minC: 15, maxC: 90 } }), 'thermal');
    assert.ok(scaled.ok && 'image' in scaled.value);
    assert.deepEqual([[...scaled.value.image], scaled.value.scale, scaled.value.width], [[...png], { minC: 15, maxC: 90 }, 24]);
    const raw = decodeFrame(encodeFrame({ kind: 'thermal', ts: 5, seq: 2, width: 24, height: 40, image: Uint8Array.of(0xff, 0xd8, 0xff) }));
    assert.ok(raw.ok && 'image' in raw.value && raw.value.scale === undefined, 'a JPEG without a range: raw intensities');
  });

  it('rejects an image frame without an image signature or with a range that is not a range', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const frame = { kind: 'thermal' as const, ts: 5, seq: 1, width: 24, height: 40, image: png };
    assert.throws(() => encodeFrame({ ...frame, image: Uint8Array.of(1, 2, 3) }), /neither a PNG nor a JPEG/);
    assert.throws(() => encodeFrame({ ...frame, scale: { minC: 90, maxC: 15 } }), /must be two finite numbers, rising/);
    assert.throws(() => encodeFrame({ ...frame, scale: { minC: 0, maxC: 5000 } }), /outside -60–1000 °C/);
    assert.throws(() => encodeFrame({ ...frame, width: 2 }), /outside 4–160 per side/);
  });
});
