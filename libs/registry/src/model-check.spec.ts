import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { checkScoringContract } from './model-check.js';

const shipped = (name: string) => new Uint8Array(readFileSync(new URL(`../../../models/${name}`, import.meta.url)));

test('checks a scoring model in a worker thread: no onnxruntime session is created on the caller\'s thread (its event loop serves the API)', async () => {
  const original = ort.InferenceSession.create;
  let created = 0;
  ort.InferenceSession.create = ((...args: Parameters<typeof original>) => (created++, original.apply(ort.InferenceSession, args))) as typeof original;
  try {
    assert.equal((await checkScoringContract('thermal', shipped('thermal.onnx')))?.status, 'passed');
    assert.equal(created, 0);
  } finally {
    ort.InferenceSession.create = original;
  }
});

test('a model that fails its contract is answered from the worker with the reason; a kind without a contract is not checked', async () => {
  const outcome = await checkScoringContract('acoustic', shipped('thermal.onnx'));
  assert.equal(outcome?.status, 'failed');
  assert.ok(outcome?.status === 'failed' && outcome.reason.length > 0);
  assert.equal(await checkScoringContract('forecast', new Uint8Array(8)), undefined);
});
