// Per-camera thermal thresholds (issue 13): the shipped thermal.onnx declares `baseline.threshold`,
// so a camera enrolled on its own frames gets a threshold for the false alarms per day asked for.
// Checked through onnxruntime on the shipped file: the TypeScript distance `fitBaseline` calibrates
// with is the graph's `device_distance`, and the camera's own threshold (no lower than the shared floor) lands on score 0.5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { checkBaselineSpec, fitBaseline, fitDeviceThreshold, heldOutLogDistances, packBaselineFeed, readModelMetadata, sharedThresholdFloor, subspaceDistance } from '@premonitor/ml';
import { thermalDataset } from '@premonitor/ml/data';

const MODEL = fileURLToPath(new URL('../../models/thermal.onnx', import.meta.url));

/** Healthy frames of one simulated camera (an instance training never saw), in time order. */
function healthyFrames(instance: number, episodes: number, firstEpisode: number): Float32Array[] {
  return [...thermalDataset({ width: 32, height: 24, instances: [instance], episodesPerInstance: episodes, framesPerEpisode: 40, frameStride: 4, anomalyKinds: [], firstEpisode, seed: 4242 })].map((f) => f.celsius);
}

test('the shipped thermal model calibrates each camera’s own threshold from its enrollment frames', async () => {
  const bytes = new Uint8Array(await readFile(MODEL));
  const meta = readModelMetadata(bytes);
  const spec = checkBaselineSpec(meta.baseline);
  assert.equal(spec.method, 'subspace');
  assert.ok(spec.threshold && spec.distance, 'thermal.onnx declares a per-camera threshold');
  const enrollment = healthyFrames(40, 2, 100).slice(0, spec.frames);
  const later = healthyFrames(40, 2, 300);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const run = async (frames: readonly Float32Array[], baseline: Float32Array) => {
      const feed = packBaselineFeed(spec, frames.map(() => baseline));
      const frame = new Float32Array(frames.length * 768);
      frames.forEach((f, i) => frame.set(f, i * 768));
      const out = await session.run({
        frame: new ort.Tensor('float32', frame, [frames.length, 24, 32]),
        baseline: new ort.Tensor('float32', feed.baseline, [frames.length, ...[spec.components! + 2, spec.embedding]]),
        enrolled: new ort.Tensor('float32', feed.enrolled, [frames.length]),
      });
      return { distance: out['device_distance']!.data as Float32Array, score: out['score']!.data as Float32Array };
    };

    // One false alarm a day at one frame every 10 s, and a looser target (100 a day) for comparison.
    const strict = fitBaseline(spec, enrollment, { threshold: { falseAlarmsPerDay: 1, framesPerDay: 8640 } });
    const loose = fitBaseline(spec, enrollment, { threshold: { falseAlarmsPerDay: 100, framesPerDay: 8640 } });
    const graph = await run(later, strict);
    later.forEach((f, i) => {
      const ts = subspaceDistance(spec, spec.distance!, strict, f);
      assert.ok(Math.abs(ts - graph.distance[i]!) <= 1e-4 * Math.max(1, ts), `frame ${i}: TypeScript distance ${ts} vs graph ${graph.distance[i]}`);
    });

    // Score ≥ 0.5 exactly where the camera's unscaled ln distance exceeds its own threshold
    // (mean + z·spread of its held-out enrollment distances, no lower than the shared floor),
    // i.e. the scaling put it at 0.5.
    const target = { falseAlarmsPerDay: 1, framesPerDay: 8640 };
    const own = fitDeviceThreshold(spec.threshold, heldOutLogDistances(spec, enrollment), target);
    const floor = sharedThresholdFloor(spec.threshold, target);
    assert.ok(Number.isFinite(floor) && floor > spec.threshold.logDistanceAtThreshold!, `thermal.onnx declares the shared floor (${floor})`);
    const threshold = Math.max(own.center, floor);
    const unscaled = fitBaseline({ ...spec, threshold: undefined }, enrollment);
    let compared = 0;
    later.forEach((f, i) => {
      const ln = Math.log(subspaceDistance(spec, spec.distance!, unscaled, f));
      if (Math.abs(ln - threshold) < 1e-3) return;
      compared++;
      assert.equal(graph.score[i]! >= 0.5, ln > threshold, `frame ${i}: ln distance ${ln}, own threshold ${threshold}, score ${graph.score[i]}`);
    });
    assert.ok(compared > later.length * 0.9);

    // A looser target is a lower threshold (a smaller spread factor, so larger distances): never
    // fewer of the same healthy frames score ≥ 0.5. (This camera is calm: with the shared floor
    // neither target flags its later frames.)
    const spreadRow = (spec.components! + 1) * spec.embedding;
    assert.ok(loose[spreadRow]! < strict[spreadRow]!, `spread factor, 100 a day ${loose[spreadRow]} vs 1 a day ${strict[spreadRow]}`);
    const looseScores = (await run(later, loose)).score;
    const alarms = (scores: Float32Array) => scores.filter((s) => s >= 0.5).length;
    assert.ok(alarms(looseScores) >= alarms(graph.score), `100 a day: ${alarms(looseScores)} alarms; 1 a day: ${alarms(graph.score)} (of ${later.length})`);
    assert.ok(alarms(graph.score) < later.length / 2, `a healthy camera mostly stays below its own threshold: ${alarms(graph.score)} of ${later.length}`);
  } finally {
    await session.release();
  }
});
