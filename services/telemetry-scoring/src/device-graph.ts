import { TelemetryModelScorer } from '@premonitor/ml/scoring';
import type { DeviceModel } from './device-model.js';

/**
 * A conv-AE model's ONNX graph loaded for scoring (one intra-op thread: the host's cores are the
 * consumers'), or why it cannot be. PCA models stay in process (undefined): their streaming scorer
 * costs ~0.003 ms CPU a window, a graph run ~0.03 ms (bench/README.md, telemetry-scoring).
 */
export async function loadGraph(model: DeviceModel): Promise<TelemetryModelScorer | string | undefined> {
  if (model.family !== 'conv-ae') return undefined;
  let graph: TelemetryModelScorer;
  try {
    graph = await TelemetryModelScorer.load(model.onnx, { intraOpThreads: 1 });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const w = graph.window;
  if (w.steps === model.windowSteps && w.channels.length === model.sensors.length && w.channels.every((c, i) => c === model.sensors[i])) return graph;
  await graph.release().catch(() => undefined);
  return `its window contract (${w.channels.join(', ')} × ${w.steps} steps) is not the model's (${model.sensors.join(', ')} × ${model.windowSteps} steps)`;
}
