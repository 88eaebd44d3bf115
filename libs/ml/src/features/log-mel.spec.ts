import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildLogMelModel, logMelFrameCount } from './log-mel.js';
import { melFilterbank } from './mel-filterbank.js';
import { fftInPlace } from './fft.js';
import { SeededRandom } from '../data/seeded-random.js';

// Independent float64 reference: its own reflect padding, window, radix-2 FFT and dB
// conversion; only the (separately verified) mel matrix is shared with the graph.
function referenceLogMel(pcm: Int16Array, sampleRate: number, nFft: number, hop: number, nMels: number): Float64Array[] {
  const x = Array.from(pcm, (v) => v / 32768);
  const half = nFft / 2;
  const padded = [...x.slice(1, half + 1).reverse(), ...x, ...x.slice(x.length - half - 1, x.length - 1).reverse()];
  const bank = melFilterbank({ sampleRate, nFft, nMels });
  const frames: Float64Array[] = [];
  for (let start = 0; start + nFft <= padded.length; start += hop) {
    const re = new Float64Array(nFft);
    const im = new Float64Array(nFft);
    for (let i = 0; i < nFft; i++) re[i] = padded[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
    fftInPlace(re, im);
    const mel = new Float64Array(nMels);
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      for (let k = 0; k <= half; k++) s += bank[m]![k]! * (re[k]! ** 2 + im[k]! ** 2);
      mel[m] = 10 * Math.log10(s + 1e-10);
    }
    frames.push(mel);
  }
  return frames;
}


/** Seeded machine-like test signal: two harmonics plus broadband noise, as int16. */
function testClip(samples: number, sampleRate: number, seed: number): Int16Array {
  const random = new SeededRandom(seed);
  return Int16Array.from({ length: samples }, (_, i) => {
    const t = i / sampleRate;
    const v = 0.3 * Math.sin(2 * Math.PI * 120 * t) + 0.1 * Math.sin(2 * Math.PI * 2400 * t + 1) + 0.2 * random.uniform(-0.5, 0.5);
    return Math.round(v * 32767);
  });
}

test('ONNX log-mel of int16 PCM matches an independent float64 reference within 0.001 dB', async () => {
  const sampleRate = 16000;
  const samples = 16000;
  const session = await ort.InferenceSession.create(buildLogMelModel({ sampleRate }));
  const clips = [testClip(samples, sampleRate, 1), testClip(samples, sampleRate, 2)];
  const batch = new Int16Array(samples * clips.length);
  clips.forEach((c, i) => batch.set(c, i * samples));
  const out = (await session.run({ pcm: new ort.Tensor('int16', batch, [clips.length, samples]) }))[session.outputNames[0]!]!;
  const frames = logMelFrameCount(samples);
  assert.deepEqual(out.dims, [clips.length, frames, 64]);
  const got = out.data as Float32Array;
  let maxDiff = 0;
  clips.forEach((clip, b) => {
    const ref = referenceLogMel(clip, sampleRate, 1024, 512, 64);
    assert.equal(ref.length, frames);
    ref.forEach((row, t) => row.forEach((v, m) => (maxDiff = Math.max(maxDiff, Math.abs(got[(b * frames + t) * 64 + m]! - v)))));
  });
  console.log(`log-mel ONNX vs reference: max abs diff ${maxDiff.toExponential(3)} dB`);
  assert.ok(maxDiff < 1e-3, `max abs diff ${maxDiff} dB`);
  await session.release();
});

test('silence maps to the epsilon floor of -100 dB', async () => {
  const session = await ort.InferenceSession.create(buildLogMelModel());
  const out = (await session.run({ pcm: new ort.Tensor('int16', new Int16Array(4096), [1, 4096]) }))[session.outputNames[0]!]!;
  for (const v of out.data as Float32Array) assert.ok(Math.abs(v + 100) < 1e-3);
  await session.release();
});
