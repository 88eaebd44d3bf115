import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audioWindows, frameRows, thermalImageRows, thermalRows } from './frame-input.js';
import { resizeBilinear } from './resize-bilinear.js';
import { FrameAdaptError } from './scoring-errors.js';

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

test('audio of the model length passes through as one row', () => {
  const rows = audioWindows(ramp(100), 100);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.length, 100);
});

test('short audio is zero-padded at the end and slightly long audio centre-cropped', () => {
  const padded = audioWindows(ramp(60), 100);
  assert.deepEqual([padded[0]![59], padded[0]![60], padded[0]!.length], [59, 0, 100]);
  const cropped = audioWindows(ramp(120), 100);
  assert.deepEqual([cropped[0]![0], cropped[0]![99]], [10, 109]);
});

test('long audio becomes evenly spread windows covering all of it', () => {
  const rows = audioWindows(ramp(350), 100);
  assert.equal(rows.length, 4);
  assert.equal(rows[0]![0], 0);
  assert.equal(rows[3]![99], 349);
  assert.ok(rows.every((r) => r.length === 100));
});

test('an acoustic frame at another rate is resampled to the model rate and scaled to ±1', () => {
  const samples = new Int16Array(8000).fill(16384);
  const rows = frameRows({ kind: 'acoustic', sampleRate: 8000, samples }, { kind: 'acoustic', version: 'a-1', frameShape: [16000], sampleRate: 16000 });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.length, 16000);
  assert.ok(Math.abs(rows[0]![8000]! - 0.5) < 0.01, 'mid-clip value stays at half scale');
});

test('bilinear resize keeps a constant image constant and interpolates a gradient', () => {
  const constant = resizeBilinear(new Float32Array(80 * 60).fill(31.5), 80, 60, 32, 24);
  assert.ok(constant.every((v) => Math.abs(v - 31.5) < 1e-5));
  // 2×1 → 4×1 with half-pixel centres: [a, .75a+.25b, .25a+.75b, b]
  assert.deepEqual(Array.from(resizeBilinear(new Float32Array([0, 4]), 2, 1, 4, 1)), [0, 1, 3, 4]);
});

test('a thermal frame of the model shape is used as is; another shape is resized', () => {
  const celsius = new Float32Array(32 * 24).fill(20);
  assert.equal(thermalRows({ width: 32, height: 24, celsius }, { frameShape: [24, 32] })[0], celsius);
  const rows = thermalRows({ width: 80, height: 60, celsius: new Float32Array(80 * 60).fill(20) }, { frameShape: [24, 32] });
  assert.equal(rows[0]!.length, 32 * 24);
});

test('an image without a temperature scale is scored only by a model that reads relative input', () => {
  const raster = { width: 4, height: 2, values: ramp(8), units: 'intensity' as const };
  const relative = { frameShape: [2, 4], thermalInput: 'relative' as const, version: 'ir-1' };
  assert.deepEqual([...thermalImageRows(raster, relative)[0]!], [...ramp(8)]);
  assert.throws(() => thermalImageRows(raster, { frameShape: [2, 4], thermalInput: 'celsius', version: 'scene-1' }), (err: unknown) => err instanceof FrameAdaptError && /scene-1 reads absolute °C; send the image's temperature scale/.test(err.message));
  // In °C it suits both, resized to the model's frame.
  const celsius = { ...raster, units: 'celsius' as const };
  assert.equal(thermalImageRows(celsius, { frameShape: [4, 8], thermalInput: 'celsius', version: 'scene-1' })[0]!.length, 32);
});

test('a levels model takes 8-bit images without a scale and refuses °C and higher levels', () => {
  const levels = { kind: 'thermal', frameShape: [2, 4], thermalInput: 'levels', version: 'ir-2', sampleRate: undefined } as const;
  const raster = { width: 4, height: 2, values: ramp(8).map((v) => v * 30), units: 'intensity' as const };
  assert.deepEqual([...thermalImageRows(raster, levels)[0]!], [...raster.values]);
  const said = (pattern: RegExp) => (err: unknown) => err instanceof FrameAdaptError && pattern.test(err.message);
  assert.throws(() => thermalImageRows({ ...raster, units: 'celsius' }, levels), said(/ir-2 reads the image's own 8-bit levels, not °C/));
  assert.throws(() => thermalImageRows({ ...raster, values: raster.values.map((v) => v * 257) }, levels), said(/ir-2 reads 8-bit levels \(0–255\)/));
  assert.throws(() => frameRows({ kind: 'thermal', width: 4, height: 2, celsius: new Float32Array(8).fill(30) }, levels), said(/not °C/));
});

test('a frame of the other kind, or whose values disagree with its size, is refused with FrameAdaptError', () => {
  const thermal = { kind: 'thermal', version: 't-1', frameShape: [24, 32], sampleRate: undefined } as const;
  assert.throws(() => frameRows({ kind: 'acoustic', sampleRate: 16000, samples: new Int16Array(10) }, thermal), (err: unknown) => err instanceof FrameAdaptError && /acoustic frame cannot be scored by the thermal model t-1/.test(err.message));
  assert.throws(() => frameRows({ kind: 'thermal', width: 32, height: 24, celsius: new Float32Array(10) }, thermal), (err: unknown) => err instanceof FrameAdaptError && /10 values, not 32×24/.test(err.message));
  assert.throws(() => frameRows({ kind: 'acoustic', sampleRate: 16000, samples: new Int16Array(0) }, { kind: 'acoustic', version: 'a-1', frameShape: [100], sampleRate: 16000 }), /no samples/);
});
