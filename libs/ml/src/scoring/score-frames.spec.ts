import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BaselineFeed } from '../baseline/baseline-feed.js';
import type { BaselineSpec } from '../baseline/baseline-spec.js';
import { scoreFrames, type FrameScorer } from './score-frames.js';
import type { ScoringOutputs } from './scoring-session.js';

const spec: BaselineSpec = { method: 'mean', embedding: 2, frames: 3 };

/** A runner whose score of a row is its first value; records what it was fed. */
function recorder(baseline: BaselineSpec | undefined): FrameScorer & { calls: { input: Float32Array; rows: number; feed?: BaselineFeed }[] } {
  const calls: { input: Float32Array; rows: number; feed?: BaselineFeed }[] = [];
  return {
    frameShape: [2],
    baseline,
    calls,
    async run(input, rows, feed): Promise<ScoringOutputs> {
      calls.push({ input, rows, ...(feed ? { feed } : {}) });
      const score = Float32Array.from({ length: rows }, (_, r) => input[r * 2]!);
      const error = Float32Array.from({ length: rows }, (_, r) => input[r * 2 + 1]!);
      if (!baseline) return { score, error };
      return { score, error, fleetScore: score.map((s) => s / 2), embedding: input.slice() };
    },
  };
}

test('packs every row of every frame into one run and averages each frame over its own rows', async () => {
  const model = recorder(undefined);
  const results = await scoreFrames(model, [[Float32Array.of(0.2, 1)], [Float32Array.of(0.4, 2), Float32Array.of(0.8, 4)]]);
  assert.equal(model.calls.length, 1);
  assert.equal(model.calls[0]!.rows, 3);
  assert.deepEqual([...model.calls[0]!.input], [...Float32Array.of(0.2, 1, 0.4, 2, 0.8, 4)]);
  assert.ok(Math.abs(results[0]!.score - 0.2) < 1e-7 && Math.abs(results[1]!.score - 0.6) < 1e-7);
  assert.equal(results[1]!.error, 3);
  assert.equal(results[1]!.reference, 'fleet');
  assert.equal(results[0]!.fleetScore, undefined);
});

test('scores are clamped to [0, 1]', async () => {
  const results = await scoreFrames(recorder(undefined), [[Float32Array.of(1.5, 0)], [Float32Array.of(-0.5, 0)]]);
  assert.deepEqual(results.map((r) => r.score), [1, 0]);
});

test('a frame with a device baseline feeds it to each of its rows and is marked device; the others stay fleet', async () => {
  const model = recorder(spec);
  const baseline = Float32Array.of(1, 1);
  const results = await scoreFrames(model, [[Float32Array.of(0.2, 0), Float32Array.of(0.4, 0)], [Float32Array.of(0.6, 0)]], [baseline, undefined]);
  assert.deepEqual([...model.calls[0]!.feed!.enrolled], [1, 1, 0]);
  assert.deepEqual(results.map((r) => r.reference), ['device', 'fleet']);
  assert.ok(Math.abs(results[0]!.fleetScore! - 0.15) < 1e-7);
  assert.deepEqual(results[0]!.embeddings!.map((e) => [...e]), [[...Float32Array.of(0.2, 0)], [...Float32Array.of(0.4, 0)]]);
  assert.equal(model.calls.length, 1);
});

test('without any baseline the model is run without a feed (the session feeds the fleet default)', async () => {
  const model = recorder(spec);
  await scoreFrames(model, [[Float32Array.of(0.2, 0)]], [undefined]);
  assert.equal(model.calls[0]!.feed, undefined);
  assert.deepEqual(await scoreFrames(model, []), []);
});
