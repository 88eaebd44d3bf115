import { z } from 'zod';
import { coreConfigShape, envBool, envEnum, envInt, envPort, envUrl } from '@premonitor/config';

/** The inference service's settings, by environment variable. Parsed once in main.ts with `loadConfig`. */
export const inferenceConfigShape = {
  ...coreConfigShape({ httpPort: 8084, databasePoolSize: 4 }),
  /** Which frames this instance scores; the same code is deployed once per kind. */
  INFERENCE_KIND: z.enum(['acoustic', 'thermal'], { message: "must be 'acoustic' or 'thermal'" }),
  /** Folder of the content-addressed model artifacts (shared with the registry's writers). */
  MODEL_STORE_DIR: z.string().min(1).default('.data/models'),
  /** Most frames per model run. */
  BATCH_SIZE: envInt(64, 1, 4_096),
  /** Longest a frame waits for its batch, ms. */
  BATCH_MAX_WAIT_MS: envInt(10, 1, 60_000),
  /** onnxruntime intra-op threads; keep at 1–2 on small hosts shared by several services. */
  ORT_THREADS: envInt(1, 1, 16),
  /** Worker threads running the model (each its own session); 0 runs it on the event loop. */
  ORT_WORKERS: envInt(1, 0, 16),
  /** Batches in flight (scoring overlaps storing/publishing); 0 = ORT_WORKERS + 1. */
  PIPELINE_DEPTH: envInt(0, 0, 32),
  /** Most unacknowledged frames outstanding to this instance (bounds memory). */
  MAX_ACK_PENDING: envInt(1_000, 1, 100_000),
  /** Largest upload to POST /api/v1/inference/score, bytes (413 above). */
  MAX_UPLOAD_BYTES: envInt(4 * 1024 * 1024, 1_024, 64 * 1024 * 1024),
  /** Lowest and highest sample rate of an uploaded WAV, Hz (422 outside), checked on its header before decoding. */
  UPLOAD_MIN_SAMPLE_RATE: envInt(8_000, 1_000, 384_000),
  UPLOAD_MAX_SAMPLE_RATE: envInt(96_000, 1_000, 384_000),
  /** Longest uploaded audio, seconds (422 above): bounds decoding, resampling and the model run. */
  UPLOAD_MAX_SECONDS: envInt(10, 1, 600),
  /** Most channels in an uploaded WAV (422 above). */
  UPLOAD_MAX_CHANNELS: envInt(8, 1, 64),
  /** Widest and tallest uploaded thermal matrix, pixels (422 above). */
  UPLOAD_THERMAL_MAX_SIDE: envInt(1_024, 8, 8_192),
  /** Most cells in an uploaded thermal matrix (422 above); 640×512 by default. */
  UPLOAD_THERMAL_MAX_CELLS: envInt(640 * 512, 64, 16 * 1024 * 1024),
  /** Uploads handled at once (429 beyond): each holds its body in memory while it is decoded. */
  UPLOAD_CONCURRENCY: envInt(4, 1, 256),
  /** Folder of the shipped models (`{kind}.onnx`): the last resort when production and every earlier version are unusable. Unset = none. */
  SHIPPED_MODELS_DIR: z.string().min(1).optional(),
  DEAD_LETTER_MAX_BYTES: envInt(64 * 1024, 0, 16 * 1024 * 1024),
  /** Names this replica's promotion consumer; must be stable across restarts and unique per replica. */
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('0'),
  /** Enroll devices and score enrolled ones against their own healthy baseline (models/README.md). */
  BASELINES_ENABLED: envBool(true),
  /** Least time between two enrollment samples of a device, ms (by the device's clock), so a baseline spans its operating range. */
  BASELINE_MIN_INTERVAL_MS: envInt(30_000, 0, 86_400_000),
  /**
   * `commissioning` (default): a new device enrolls from its first frames whatever the fleet
   * model thinks (the fleet score is shown, not a gate) unless marked faulty; `fleet`: only
   * frames whose fleet score is below BASELINE_MAX_FLEET_SCORE join (the policy before issue 13).
   */
  ENROLLMENT_GATE: envEnum(['commissioning', 'fleet'], 'commissioning'),
  /** Samples a device enrolls from; 0 = the model's own (acoustic 16, thermal 80). The commissioning period is about this × BASELINE_MIN_INTERVAL_MS. */
  ENROLLMENT_SAMPLES: envInt(0, 0, 256),
  /** False alarms per day a device's own threshold allows, at the frame rate it showed while enrolling; unset = the model's (1). */
  DEVICE_FALSE_ALARMS_PER_DAY: z.coerce.number({ message: 'must be a positive number' }).positive('must be above 0').optional(),
  /** The fleet score at which a frame is anomalous to the fleet: left out of enrollment under the `fleet` gate, counted under `commissioning` (0.5 = the model's threshold). */
  BASELINE_MAX_FLEET_SCORE: z.coerce.number({ message: 'must be a number in (0, 1]' }).gt(0, 'must be above 0').max(1, 'must be at most 1').default(0.5),
  /** Recent frames kept per device for feedback labelling (high scorers + a sample of normal ones); 0 = none. */
  RECENT_FRAMES_PER_DEVICE: envInt(200, 0, 100_000),
  /** Longest a recent frame is kept, hours. */
  RECENT_FRAMES_MAX_AGE_HOURS: envInt(168, 1, 8_760),
  /** Score at or above which every frame is kept (0.5 = the model's threshold). */
  RECENT_FRAMES_HIGH_SCORE: z.coerce.number({ message: 'must be a number in [0, 1]' }).min(0).max(1).default(0.5),
  /** One in this many normal frames of a device is kept; 0 = none. */
  RECENT_FRAMES_NORMAL_ONE_IN: envInt(50, 0, 1_000_000),
  /** Durable consumer of the kind's frames; replicas share it to split the frames. Default `inference-{kind}`. */
  INFERENCE_DURABLE: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').optional(),
  /** Where a new frames durable starts: every stored frame (default), or only new ones. */
  INFERENCE_DELIVER_POLICY: envEnum(['all', 'new'], 'all'),
  /** Longest the drain on shutdown may take, ms; what is not acknowledged by then is redelivered by the bus. */
  DRAIN_TIMEOUT_MS: envInt(10_000, 100, 600_000),
};

export type InferenceConfig = Readonly<z.infer<z.ZodObject<typeof inferenceConfigShape>>>;
