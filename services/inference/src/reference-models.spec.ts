import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildLogMelModel, readModelMetadata } from '@premonitor/ml';
import { buildAcousticReferenceModel, buildThermalReferenceModel, logistic } from './reference-models.js';

test('the acoustic reference model scores sigmoid((mean log-mel dB − center) / scale) per clip', async () => {
  const bytes = buildAcousticReferenceModel({ version: 'ref-1', centerDb: -40, scaleDb: 5 });
  assert.deepEqual(readModelMetadata(bytes).frameShape, [16000]);
  const clips = new Float32Array(2 * 16000);
  for (let i = 0; i < 16000; i++) {
    clips[i] = 0.001 * Math.sin((2 * Math.PI * 440 * i) / 16000);
    clips[16000 + i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000);
  }
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ pcm: new ort.Tensor('float32', clips, [2, 16000]) });
  const melSession = await ort.InferenceSession.create(buildLogMelModel({ inputType: 'float32' }));
  const mel = (await melSession.run({ pcm: new ort.Tensor('float32', clips, [2, 16000]) }))[melSession.outputNames[0]!]!;
  const perClip = mel.data.length / 2;
  for (let c = 0; c < 2; c++) {
    const values = (mel.data as Float32Array).subarray(c * perClip, (c + 1) * perClip);
    const meanDb = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs((out.error!.data as Float32Array)[c]! - (meanDb + 40) / 5) < 1e-3);
    assert.ok(Math.abs((out.score!.data as Float32Array)[c]! - logistic(meanDb, -40, 5)) < 1e-4);
  }
  assert.ok((out.score!.data as Float32Array)[1]! > (out.score!.data as Float32Array)[0]!, 'a louder clip scores higher');
  await Promise.all([session.release(), melSession.release()]);
});

test('the thermal reference model scores sigmoid((hottest pixel − 60) / 5)', async () => {
  const bytes = buildThermalReferenceModel({ version: 'ref-1' });
  const frames = new Float32Array(2 * 24 * 32).fill(25);
  frames[100] = 58;
  frames[24 * 32 + 7] = 75;
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ frame: new ort.Tensor('float32', frames, [2, 24, 32]) });
  const score = out.score!.data as Float32Array;
  assert.ok(Math.abs(score[0]! - logistic(58, 60, 5)) < 1e-6);
  assert.ok(Math.abs(score[1]! - logistic(75, 60, 5)) < 1e-6);
  assert.deepEqual(Array.from(out.error!.data as Float32Array), [-0.4, 3].map((v) => Math.fround(v)));
  await session.release();
});
