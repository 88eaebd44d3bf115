import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxGraphBuilder, encodeModelMetadata } from '@premonitor/ml';
import { OnnxScoringModel } from './onnx-scoring-model.js';
import { ModelContractError } from './model-errors.js';
import { buildThermalReferenceModel } from './reference-models.js';

const settings = { intraOpThreads: 1 };

test('loads a contract model and runs a batch in one call', async () => {
  const model = await OnnxScoringModel.load(buildThermalReferenceModel({ version: 't1', width: 4, height: 4 }), 'thermal', 'a'.repeat(64), settings);
  assert.deepEqual([model.version, model.frameShape, model.threshold], ['t1', [4, 4], 0.5]);
  const input = new Float32Array(3 * 16).fill(20);
  input[16] = 60;
  const { score } = await model.run(input, 3);
  assert.equal(score.length, 3);
  assert.ok(Math.abs(score[1]! - 0.5) < 1e-6);
  await model.release();
});

test('rejects a model of the other kind', async () => {
  const bytes = buildThermalReferenceModel({ version: 't1' });
  await assert.rejects(OnnxScoringModel.load(bytes, 'acoustic', 'a'.repeat(64), settings), ModelContractError);
});

test('rejects a model without the score and error outputs', async () => {
  const g = new OnnxGraphBuilder();
  g.addOutput(g.op('Identity', [g.addInput('frame', ['batch', 2, 2])]), ['batch', 2, 2]);
  const bytes = g.toModelBytes({ metadata: encodeModelMetadata({ kind: 'thermal', version: 'x', inputs: [{ name: 'frame', type: 'float32', shape: ['batch', 2, 2] }], frameShape: [2, 2] }) });
  await assert.rejects(OnnxScoringModel.load(bytes, 'thermal', 'a'.repeat(64), settings), /output 'score' is missing; output 'error' is missing/);
});
