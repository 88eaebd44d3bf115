// Property-based: the frame codec round-trips every valid frame, and no byte string — random or
// a mutated valid frame — makes it throw or accept a frame whose header lies about its shape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES, FRAME_LIMITS, type Frame } from './frame-codec.js';

const RUNS = { numRuns: 300 };

const ts = fc.double({ min: 0, max: 4e12, noNaN: true, noDefaultInfinity: true });
const seq = fc.integer({ min: 0, max: 0xffff_ffff });

const acoustic: fc.Arbitrary<Frame> = fc
  .record({ ts, seq, sampleRate: fc.integer({ min: FRAME_LIMITS.acoustic.minSampleRate, max: FRAME_LIMITS.acoustic.maxSampleRate }), seconds: fc.double({ min: 0.1, max: 4, noNaN: true }), fill: fc.integer({ min: -32768, max: 32767 }) })
  .map(({ ts, seq, sampleRate, seconds, fill }) => {
    const n = Math.min(Math.floor(sampleRate * 4), Math.max(Math.ceil(sampleRate * 0.1), Math.round(sampleRate * seconds)));
    const samples = Int16Array.from({ length: n }, (_, i) => (fill + i * 7919) % 32768);
    return { kind: 'acoustic', ts, seq, sampleRate, samples } as const;
  });

const celsius = fc.float({ min: Math.fround(FRAME_LIMITS.thermal.minCelsius), max: Math.fround(FRAME_LIMITS.thermal.maxCelsius), noNaN: true });
const thermal: fc.Arbitrary<Frame> = fc
  .record({ ts, seq, width: fc.integer({ min: 4, max: 40 }), height: fc.integer({ min: 4, max: 40 }), values: fc.array(celsius, { minLength: 1, maxLength: 64 }) })
  .map(({ ts, seq, width, height, values }) => ({ kind: 'thermal', ts, seq, width, height, celsius: Float32Array.from({ length: width * height }, (_, i) => values[i % values.length]!) }) as const);

const frame = fc.oneof(acoustic, thermal);

/** A decode that accepted `bytes` must describe them exactly: encoding the result gives them back. */
function assertHonest(bytes: Uint8Array): void {
  const decoded = decodeFrame(bytes);
  if (!decoded.ok) {
    assert.equal(typeof decoded.reason, 'string');
    return;
  }
  assert.deepEqual(encodeFrame(decoded.value), new Uint8Array(bytes), 'an accepted frame re-encodes to the same bytes');
  if (decoded.value.kind === 'thermal' && 'image' in decoded.value) {
    assert.ok(decoded.value.image.byteLength > 0);
  } else if (decoded.value.kind === 'thermal') {
    const { width, height, celsius: values } = decoded.value;
    assert.equal(values.length, width * height);
    assert.ok(values.every((v) => Number.isFinite(v) && v >= FRAME_LIMITS.thermal.minCelsius && v <= FRAME_LIMITS.thermal.maxCelsius));
  } else {
    const seconds = decoded.value.samples.length / decoded.value.sampleRate;
    assert.ok(seconds >= FRAME_LIMITS.acoustic.minSeconds && seconds <= FRAME_LIMITS.acoustic.maxSeconds);
  }
}

describe('frame codec properties', () => {
  it('decode(encode(frame)) is the frame, for every valid frame', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const decoded = decodeFrame(encodeFrame(f), f.kind);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
        assert.deepEqual(decoded.value, f);
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary bytes, and accepts only frames that describe themselves', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => assertHonest(bytes)), { numRuns: 2_000 });
  });

  it('never throws on a mutated valid frame: bit flips, truncation, extension, forged header fields', () => {
    const mutation = fc.oneof(
      fc.record({ type: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ type: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ type: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
      fc.record({ type: fc.constant('field' as const), offset: fc.constantFrom(4, 5, 6, 8, 16, 20, 24, 28), value: fc.integer({ min: 0, max: 0xffff_ffff }) }),
    );
    fc.assert(
      fc.property(frame, fc.array(mutation, { minLength: 1, maxLength: 4 }), (f, mutations) => {
        let bytes = new Uint8Array(encodeFrame(f));
        for (const m of mutations) {
          if (m.type === 'flip') bytes[m.at % bytes.length]! ^= 1 << m.bit;
          else if (m.type === 'truncate') bytes = bytes.slice(0, m.at % bytes.length);
          else if (m.type === 'extend') bytes = Uint8Array.from([...bytes, ...m.extra]);
          else if (bytes.length >= FRAME_HEADER_BYTES) {
            const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            if (m.offset < 8) view.setUint8(m.offset, m.value & 0xff);
            else if (m.offset === 8) view.setFloat64(8, m.value % 2 === 0 ? Number.NaN : -m.value, true);
            else view.setUint32(m.offset, m.value, true);
          }
        }
        assertHonest(bytes);
      }),
      { numRuns: 1_000 },
    );
  });
});
