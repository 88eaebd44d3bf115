import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder, buildLogMelModel } from '@premonitor/ml';
import { SeededRandom } from '@premonitor/ml/data';
import { addClipStatistics, addLowBandProfile, clipStatistics, lowBandProfile } from './clip-features.js';
import { addSpectralFrontEnd } from './spectral-front-end.js';

const SAMPLES = 4096;
const OPTIONS = { sampleRate: 16000, nFft: 2048, nMels: 32 };
const LOW_BINS = 64;
const PEAKS = 8;

function toneClip(): Float32Array {
  // 250 Hz = STFT bin 32 at n_fft 2048, plus a weaker 437.5 Hz (bin 56) and a little noise.
  const random = new SeededRandom(99);
  return Float32Array.from({ length: SAMPLES }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 250 * i) / 16000) + 0.1 * Math.sin((2 * Math.PI * 437.5 * i) / 16000) + 0.01 * random.uniform(-0.5, 0.5));
}

async function runFrontEnd(clip: Float32Array): Promise<Record<string, Float32Array>> {
  const g = new OnnxGraphBuilder('front_end_spec');
  const pcm = g.addInput('pcm', ['batch', SAMPLES]);
  const out = addSpectralFrontEnd(g, pcm, OPTIONS, LOW_BINS);
  g.addOutput(out.logMel, ['batch', 'frames', 32]);
  g.addOutput(out.lowBandDb, ['batch', 'frames', LOW_BINS]);
  g.addOutput(addClipStatistics(g, out.logMel), ['batch', 64]);
  g.addOutput(addLowBandProfile(g, out.lowBandDb, PEAKS), ['batch', PEAKS]);
  const session = await ort.InferenceSession.create(g.toModelBytes());
  const result = await session.run({ pcm: new ort.Tensor('float32', clip, [1, SAMPLES]) });
  await session.release();
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.data as Float32Array]));
}

test('the shared-STFT front end yields the same log-mel as buildLogMelModel and resolves a 250 Hz tone in bin 32', async () => {
  const clip = toneClip();
  const out = await runFrontEnd(clip);
  const [logMel, lowBand] = [out['log_mel_0']!, out['low_band_db_0']!];
  const reference = await ort.InferenceSession.create(buildLogMelModel({ ...OPTIONS, inputType: 'float32' }));
  const expected = Object.values(await reference.run({ pcm: new ort.Tensor('float32', clip, [1, SAMPLES]) }))[0]!.data as Float32Array;
  await reference.release();
  assert.equal(logMel.length, expected.length);
  let maxDiff = 0;
  logMel.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - expected[i]!))));
  assert.ok(maxDiff < 1e-4, `max |Δ| ${maxDiff} dB`);
  // Low band starts at bin 1, so bin 32 is column 31.
  const frame = lowBand.subarray(2 * LOW_BINS, 3 * LOW_BINS);
  assert.equal(frame.indexOf(Math.max(...frame)), 31);
});

test('in-graph clip statistics and low-band peak profile match their TypeScript versions', async () => {
  const out = await runFrontEnd(toneClip());
  const statistics = clipStatistics(out['log_mel_0']!, 32);
  const profile = lowBandProfile(out['low_band_db_0']!, LOW_BINS, PEAKS);
  const graphStatistics = out['clip_statistics_0']!;
  const graphProfile = out['low_peaks_0']!;
  statistics.forEach((v, i) => assert.ok(Math.abs(v - graphStatistics[i]!) < 1e-3, `statistic ${i}: ${v} vs ${graphStatistics[i]}`));
  profile.forEach((v, i) => assert.ok(Math.abs(v - graphProfile[i]!) < 1e-3, `peak ${i}: ${v} vs ${graphProfile[i]}`));
  // The strongest peak (the 250 Hz tone) comes first, well above the clip's mean level.
  assert.ok(profile[0]! > profile[PEAKS - 1]! && profile[0]! > 20);
});
