import type { InferenceConfig } from './inference-config.js';
import type { InferenceSettings } from './inference.js';

/** Maps the environment-level config onto the service's settings. */
export function settingsFromConfig(config: InferenceConfig): InferenceSettings {
  return {
    kind: config.INFERENCE_KIND,
    batchSize: config.BATCH_SIZE,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    ortThreads: config.ORT_THREADS,
    ortWorkers: config.ORT_WORKERS,
    ...(config.PIPELINE_DEPTH > 0 ? { pipelineDepth: config.PIPELINE_DEPTH } : {}),
    maxAckPending: config.MAX_ACK_PENDING,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    deadLetterMaxBytes: config.DEAD_LETTER_MAX_BYTES,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    instanceId: config.INSTANCE_ID,
    baselines: {
      enabled: config.BASELINES_ENABLED,
      policy: { maxFleetScore: config.BASELINE_MAX_FLEET_SCORE, minIntervalMs: config.BASELINE_MIN_INTERVAL_MS },
    },
  };
}
