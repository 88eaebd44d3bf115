import * as ort from 'onnxruntime-node';
import type { ThermalRaster } from '@premonitor/ml/data';
import { FrameAdaptError, audioRows, readScoringMetadata, runScoringSession, scoreFrames, scoringInputName, scoringSessionOptions, thermalImageRows, type ScoringKind, type ScoringMetadata } from '@premonitor/ml/scoring';
import type { DecodedAcousticSample } from './acoustic-samples.js';

type FrameRows = readonly Float32Array[];

/**
 * Scores thermal rasters with a model's bytes through the model input contract (the same path
 * inference takes), against the fleet. Throws `FrameAdaptError` when the model cannot read
 * them (a °C model given intensity images), so the caller can say why a champion has no figures.
 */
export async function scoreThermal(bytes: Uint8Array, rasters: readonly ThermalRaster[]): Promise<number[]> {
  return scoreWith(bytes, 'thermal', (meta) => rasters.map((r) => thermalImageRows(r, { frameShape: meta.frameShape, thermalInput: meta.thermalInput, version: meta.version })));
}

/**
 * Scores acoustic samples against the fleet through the model input contract: resampled to
 * the model's rate, cut into its clips, a sample's score the mean over them (as inference
 * scores a long upload). Throws `FrameAdaptError` when the model cannot read them.
 */
export async function scoreAcoustic(bytes: Uint8Array, samples: readonly DecodedAcousticSample[]): Promise<number[]> {
  return scoreWith(bytes, 'acoustic', (meta) => {
    if (meta.sampleRate === undefined) throw new FrameAdaptError('the model declares no sample rate');
    const model = { sampleRate: meta.sampleRate, frameShape: meta.frameShape };
    return samples.map((s) => audioRows(s.samples, s.sampleRate, model));
  });
}

async function scoreWith(bytes: Uint8Array, kind: ScoringKind, rowsOf: (meta: ScoringMetadata) => readonly FrameRows[]): Promise<number[]> {
  const meta = readScoringMetadata(bytes, kind);
  const rows = rowsOf(meta);
  const session = await ort.InferenceSession.create(bytes, scoringSessionOptions({ intraOpThreads: 1 }));
  try {
    const contract = { inputName: scoringInputName(kind), version: meta.version, frameShape: meta.frameShape, baseline: meta.baseline };
    const scorer = { frameShape: meta.frameShape, baseline: meta.baseline, run: (input: Float32Array, n: number) => runScoringSession(session, contract, input, n) };
    const scores: number[] = [];
    // Small batches: the worker yields between them, and memory stays bounded on long clips.
    for (let i = 0; i < rows.length; i += 64) scores.push(...(await scoreFrames(scorer, rows.slice(i, i + 64))).map((s) => s.score));
    return scores;
  } finally {
    await session.release();
  }
}
