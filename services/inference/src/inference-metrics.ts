import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the inference service exposes at `/metrics`. */
export interface InferenceMetrics {
  readonly framesIn: Counter<'kind'>;
  readonly scored: Counter<'kind' | 'model_version'>;
  readonly rejected: Counter<'kind' | 'reason'>;
  readonly batchFailures: Counter<'kind'>;
  readonly batchSize: Histogram<'kind'>;
  readonly latency: Histogram<'kind'>;
  readonly modelInfo: Gauge<'kind' | 'version'>;
  readonly uploads: Counter<'kind' | 'outcome'>;
  /** Uploads admitted and not answered yet (bounded by UPLOAD_CONCURRENCY). */
  readonly uploadsInProgress: Gauge<'kind'>;
  /** Time to decode and adapt an upload (in a worker thread); its count is the uploads that got that far. */
  readonly uploadDecode: Histogram<'kind'>;
  /** 1 while the model in service is not the registry's production model (it failed to load or its check). */
  readonly modelFallback: Gauge<'kind'>;
  /** Models refused at load (start-up or promotion), by why: `contract`, `artifact`, `load`. */
  readonly modelRefused: Counter<'kind' | 'reason'>;
  /** Enrollment samples by outcome: accepted, fleet_anomalous (left out), enrolled (a baseline became ready). */
  readonly enrollment: Counter<'kind' | 'outcome'>;
  /** Frames scored, by what they were compared with (`device` or `fleet`). */
  readonly references: Counter<'kind' | 'reference'>;
  /** Scores of the frames scored from the bus, by kind and reference: a shifting distribution is drift. */
  readonly scores: Histogram<'kind' | 'reference'>;
  /** Frames kept in `recent_frames`, by why: `high` score or 1-in-N `sample`. */
  readonly framesKept: Counter<'kind' | 'why'>;
  /** Frames evicted from `recent_frames`, by reason: `count` (per-device limit) or `age`. */
  readonly framesEvicted: Counter<'kind' | 'reason'>;
}

/**
 * Registers the inference metrics in `registry`. Every metric is labelled by kind, so when
 * the acoustic and the thermal instance share one registry (embedded mode) the second reuses
 * what the first registered instead of failing on a duplicate name.
 */
export function createInferenceMetrics(registry: Registry): InferenceMetrics {
  const existing = registry.getSingleMetric('pm_inference_frames_in_total');
  if (existing) return shared.get(registry) ?? raise();
  const metrics = buildMetrics(registry);
  shared.set(registry, metrics);
  return metrics;
}

const shared = new WeakMap<Registry, InferenceMetrics>();

function raise(): never {
  throw new Error('pm_inference_* metrics are registered in this registry by something other than createInferenceMetrics');
}

function buildMetrics(registry: Registry): InferenceMetrics {
  const registers = [registry];
  return {
    framesIn: new Counter({ name: 'pm_inference_frames_in_total', help: 'Frames received from the bus', labelNames: ['kind'], registers }),
    scored: new Counter({ name: 'pm_inference_scored_total', help: 'Frames scored, persisted and published', labelNames: ['kind', 'model_version'], registers }),
    rejected: new Counter({ name: 'pm_inference_rejected_total', help: 'Frames dead-lettered, by reason', labelNames: ['kind', 'reason'], registers }),
    batchFailures: new Counter({ name: 'pm_inference_batch_failures_total', help: 'Batches whose frames were nak-ed for redelivery', labelNames: ['kind'], registers }),
    batchSize: new Histogram({
      name: 'pm_inference_batch_size',
      help: 'Frames per model run',
      labelNames: ['kind'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    }),
    latency: new Histogram({
      name: 'pm_inference_latency_seconds',
      help: 'Frame received → scored',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    modelInfo: new Gauge({ name: 'pm_inference_model_info', help: 'The model in service (value 1)', labelNames: ['kind', 'version'], registers }),
    uploads: new Counter({ name: 'pm_inference_uploads_total', help: 'Frames scored through the upload endpoint, by outcome', labelNames: ['kind', 'outcome'], registers }),
    uploadsInProgress: new Gauge({ name: 'pm_inference_uploads_in_progress', help: 'Uploads admitted and not answered yet', labelNames: ['kind'], registers }),
    uploadDecode: new Histogram({
      name: 'pm_inference_upload_decode_seconds',
      help: 'Decoding and adapting one upload, off the event loop',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    modelFallback: new Gauge({ name: 'pm_inference_model_fallback', help: "1 while the model in service is not the registry's production model (see GET /api/v1/inference/{kind}/model)", labelNames: ['kind'], registers }),
    modelRefused: new Counter({ name: 'pm_inference_model_refused_total', help: 'Models refused when loading, by reason (contract, artifact, load)', labelNames: ['kind', 'reason'], registers }),
    enrollment: new Counter({ name: 'pm_inference_enrollment_total', help: 'Baseline enrollment: samples accepted or left out, baselines completed', labelNames: ['kind', 'outcome'], registers }),
    framesKept: new Counter({ name: 'pm_inference_recent_frames_kept_total', help: 'Frames kept for feedback labelling, by why (high, sample)', labelNames: ['kind', 'why'], registers }),
    framesEvicted: new Counter({ name: 'pm_inference_recent_frames_evicted_total', help: 'Kept frames evicted, by reason (count, age)', labelNames: ['kind', 'reason'], registers }),
    references: new Counter({ name: 'pm_inference_reference_total', help: "Frames scored against their device's baseline or the fleet", labelNames: ['kind', 'reference'], registers }),
    scores: new Histogram({
      name: 'pm_inference_score',
      help: 'Calibrated anomaly scores (0-1) of frames scored from the bus, by kind and reference; its mean over a day moving is drift',
      labelNames: ['kind', 'reference'],
      buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
      registers,
    }),
  };
}

/**
 * A short, bounded label for a rejection: the full reason (with sizes and values) goes to
 * `dead_letters`, but a metric label must not take one value per distinct frame.
 */
export function rejectCategory(reason: string): string {
  if (reason.startsWith('subject')) return 'bad_subject';
  if (/shorter than|bytes follow|payload has/.test(reason)) return 'bad_length';
  if (/above the .*limit/.test(reason)) return 'too_large';
  if (/magic|version|kind code|encoding/.test(reason)) return 'bad_header';
  if (/does not match topic kind/.test(reason)) return 'kind_mismatch';
  if (/sample rate|clip of|shape/.test(reason)) return 'bad_shape';
  if (/finite|plausible|°C|timestamp/.test(reason)) return 'bad_values';
  return 'invalid';
}
