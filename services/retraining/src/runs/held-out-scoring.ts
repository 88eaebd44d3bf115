import * as ort from 'onnxruntime-node';
import type { ThermalRaster } from '@premonitor/ml/data';
import { readScoringMetadata, runScoringSession, scoreFrames, scoringInputName, scoringSessionOptions, thermalImageRows } from '@premonitor/ml/scoring';

/**
 * Scores thermal rasters with a model's bytes through the model input contract (the same path
 * inference takes), against the fleet. Throws `FrameAdaptError` when the model cannot read
 * them (a °C model given intensity images), so the caller can say why a champion has no figures.
 */
export async function scoreThermal(bytes: Uint8Array, rasters: readonly ThermalRaster[]): Promise<number[]> {
  const meta = readScoringMetadata(bytes, 'thermal');
  const rows = rasters.map((r) => thermalImageRows(r, { frameShape: meta.frameShape, thermalInput: meta.thermalInput, version: meta.version }));
  const session = await ort.InferenceSession.create(bytes, scoringSessionOptions({ intraOpThreads: 1 }));
  try {
    const contract = { inputName: scoringInputName('thermal'), version: meta.version, frameShape: meta.frameShape, baseline: meta.baseline };
    const scorer = { frameShape: meta.frameShape, baseline: meta.baseline, run: (input: Float32Array, n: number) => runScoringSession(session, contract, input, n) };
    const scores: number[] = [];
    for (let i = 0; i < rows.length; i += 256) scores.push(...(await scoreFrames(scorer, rows.slice(i, i + 256))).map((s) => s.score));
    return scores;
  } finally {
    await session.release();
  }
}
