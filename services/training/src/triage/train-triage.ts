import { createHash } from 'node:crypto';
import { DEFAULT_TEXT_FEATURES } from '@premonitor/ml';
import type { TextFeatureSpec } from '@premonitor/ml';
import { fitTextModel } from './fit-text-model.js';
import { DEFAULT_HASHED_TRAINING } from './hashed-text-trainer.js';
import type { HashedTrainingOptions } from './hashed-text-trainer.js';
import { SCORE_FIELDS, triageInput } from './triage-record.js';
import type { TriageRecord } from './triage-record.js';
import { TRIAGE_TARGETS } from './triage-targets.js';

/** Settings of {@link trainTriageModel}. */
export interface TrainTriageOptions {
  /** Version written into the model (unique within kind `triage`). */
  readonly version: string;
  /** When the training ran (injected: reports and tests do not read the wall clock). */
  readonly now: Date;
  /** Seed of the example order; the same records and seed give the same bytes. */
  readonly seed?: number;
  readonly features?: TextFeatureSpec;
  readonly training?: HashedTrainingOptions;
}

/** What a triage training did, for the run's record and the status API. */
export interface TriageTrainingReport {
  readonly kind: 'triage';
  readonly version: string;
  readonly trained_at: string;
  readonly records: number;
  /** Per target, how many records have each score 1…5. */
  readonly score_counts: Readonly<Record<string, readonly number[]>>;
  /** Distinct hashed features with weights. */
  readonly vocabulary: number;
  readonly epoch_loss: readonly number[];
  readonly model_bytes: number;
  /** sha256 of the records in training order. */
  readonly training_data_fingerprint: string;
  readonly seconds: { readonly features: number; readonly fit: number; readonly export: number; readonly total: number };
}

/** A trained triage model: the ONNX bytes and what the training did. */
export interface TrainedTriageModel {
  readonly modelBytes: Uint8Array;
  readonly report: TriageTrainingReport;
}

/**
 * Trains the triage model (description + equipment → availability, fiability and process
 * safety, each 1–5 with a confidence) on every record given — pass the merged
 * `TriageRecordSet` to keep earlier records — and exports it to ONNX.
 */
export async function trainTriageModel(records: readonly TriageRecord[], options: TrainTriageOptions): Promise<TrainedTriageModel> {
  if (records.length === 0) throw new RangeError('a triage model needs at least one record');
  const started = performance.now();
  const inputs = records.map(triageInput);
  const labels = SCORE_FIELDS.map((field) => Int32Array.from(records, (r) => r[field] - 1));
  const fingerprint = `sha256:${createHash('sha256').update(JSON.stringify(records.map((r) => [r.anomaly_id, r.description, r.equipment_name ?? null, r.equipment_id ?? null, ...SCORE_FIELDS.map((f) => r[f])]))).digest('hex')}`;
  const training = { ...(options.training ?? DEFAULT_HASHED_TRAINING), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const fitted = await fitTextModel(inputs, labels, {
    targets: TRIAGE_TARGETS,
    features: options.features ?? DEFAULT_TEXT_FEATURES,
    training,
    metadata: { kind: 'triage', version: options.version, trainingDataFingerprint: fingerprint },
    docString: 'maintenance-report triage: description + equipment → availability, fiability, process safety (1–5)',
  });
  const report: TriageTrainingReport = {
    kind: 'triage',
    version: options.version,
    trained_at: options.now.toISOString(),
    records: records.length,
    score_counts: Object.fromEntries(TRIAGE_TARGETS.map((t, j) => [t.name, [1, 2, 3, 4, 5].map((s) => labels[j]!.filter((y) => y === s - 1).length)])),
    vocabulary: fitted.model.vocabulary.length,
    epoch_loss: fitted.epochLoss.map((l) => Math.round(l * 1e4) / 1e4),
    model_bytes: fitted.modelBytes.length,
    training_data_fingerprint: fingerprint,
    seconds: { ...fitted.seconds, total: (performance.now() - started) / 1000 },
  };
  return { modelBytes: fitted.modelBytes, report };
}
