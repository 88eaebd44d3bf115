import { z } from 'zod';
import { coreConfigShape, envInt } from '@premonitor/config';

/** Retraining's settings, by environment variable. Parsed once with `loadConfig`. */
export const retrainingConfigShape = {
  ...coreConfigShape({ httpPort: 8086, databasePoolSize: 4 }),
  /** Folder of the content-addressed sample files. */
  SAMPLE_STORE_DIR: z.string().min(1).default('.data/samples'),
  /** Folder of the model registry's artifacts (the same folder inference and model-sync use). */
  MODEL_STORE_DIR: z.string().min(1).default('.data/models'),
  /** Largest sample file, bytes. */
  SAMPLE_MAX_FILE_BYTES: envInt(16 * 1024 * 1024, 1_024, 256 * 1024 * 1024),
  /** Largest upload request, bytes (all its files and fields). */
  SAMPLE_MAX_REQUEST_BYTES: envInt(64 * 1024 * 1024, 1_024, 1024 * 1024 * 1024),
  /** Most files in one upload request. */
  SAMPLE_MAX_FILES: envInt(64, 1, 1_000),
  /** Longest WAV sample, seconds. */
  SAMPLE_MAX_SECONDS: envInt(10, 1, 600),
  /** Smallest and largest side of a thermal sample, pixels. */
  SAMPLE_THERMAL_MIN_SIDE: envInt(8, 1, 4_096),
  SAMPLE_THERMAL_MAX_SIDE: envInt(1_024, 1, 4_096),
};

export type RetrainingConfig = z.infer<z.ZodObject<typeof retrainingConfigShape>>;
