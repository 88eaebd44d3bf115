import { join } from 'node:path';
import { ConfigError } from '@premonitor/config';
import type { InferenceConfig } from './inference-config.js';
import type { InferenceSettings } from './inference.js';

/** Maps the environment-level config onto the service's settings. */
export function settingsFromConfig(config: InferenceConfig): InferenceSettings {
  if (config.UPLOAD_MIN_SAMPLE_RATE > config.UPLOAD_MAX_SAMPLE_RATE) {
    throw new ConfigError(
      `invalid configuration:\n  UPLOAD_MIN_SAMPLE_RATE (${config.UPLOAD_MIN_SAMPLE_RATE}) must not exceed UPLOAD_MAX_SAMPLE_RATE (${config.UPLOAD_MAX_SAMPLE_RATE})`,
      ['UPLOAD_MIN_SAMPLE_RATE', 'UPLOAD_MAX_SAMPLE_RATE'],
    );
  }
  return {
    kind: config.INFERENCE_KIND,
    batchSize: config.BATCH_SIZE,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    ortThreads: config.ORT_THREADS,
    ortWorkers: config.ORT_WORKERS,
    ...(config.PIPELINE_DEPTH > 0 ? { pipelineDepth: config.PIPELINE_DEPTH } : {}),
    maxAckPending: config.MAX_ACK_PENDING,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    uploadLimits: {
      wav: { minSampleRate: config.UPLOAD_MIN_SAMPLE_RATE, maxSampleRate: config.UPLOAD_MAX_SAMPLE_RATE, maxSeconds: config.UPLOAD_MAX_SECONDS, maxChannels: config.UPLOAD_MAX_CHANNELS },
      thermalMaxSide: config.UPLOAD_THERMAL_MAX_SIDE,
      thermalMaxCells: config.UPLOAD_THERMAL_MAX_CELLS,
    },
    uploadConcurrency: config.UPLOAD_CONCURRENCY,
    ...(config.SHIPPED_MODELS_DIR ? { shippedModelFile: join(config.SHIPPED_MODELS_DIR, `${config.INFERENCE_KIND}.onnx`) } : {}),
    deadLetterMaxBytes: config.DEAD_LETTER_MAX_BYTES,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    instanceId: config.INSTANCE_ID,
    ...(config.INFERENCE_DURABLE ? { consumerName: config.INFERENCE_DURABLE } : {}),
    deliverPolicy: config.INFERENCE_DELIVER_POLICY,
    recentFrames: {
      maxFramesPerDevice: config.RECENT_FRAMES_PER_DEVICE,
      maxAgeMs: config.RECENT_FRAMES_MAX_AGE_HOURS * 3_600_000,
      highScore: config.RECENT_FRAMES_HIGH_SCORE,
      normalOneIn: config.RECENT_FRAMES_NORMAL_ONE_IN,
    },
    baselines: {
      enabled: config.BASELINES_ENABLED,
      policy: { gate: config.ENROLLMENT_GATE, maxFleetScore: config.BASELINE_MAX_FLEET_SCORE, minIntervalMs: config.BASELINE_MIN_INTERVAL_MS },
      ...(config.ENROLLMENT_SAMPLES > 0 ? { samples: config.ENROLLMENT_SAMPLES } : {}),
      ...(config.DEVICE_FALSE_ALARMS_PER_DAY !== undefined ? { falseAlarmsPerDay: config.DEVICE_FALSE_ALARMS_PER_DAY } : {}),
    },
  };
}
