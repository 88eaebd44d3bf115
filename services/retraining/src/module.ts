import { resolve } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { FORECASTING_SCHEMA } from '@premonitor/forecasting/schema';
import { INGEST_SCHEMA } from '@premonitor/ingest/schema';
import { FileArtifactStore } from '@premonitor/registry';
import type { ServiceModule } from '@premonitor/runtime';
import { systemClock } from '@premonitor/time';
import { retrainingConfigShape, type RetrainingConfig } from './retraining-config.js';
import { DEFAULT_SAMPLE_LIMITS, type SampleLimits } from './samples/sample-decoder.js';
import { createSampleRouter } from './samples/sample-api.js';
import { SampleIntake } from './samples/sample-intake.js';
import { RETRAINING_SCHEMA } from './schema.js';

/** The sample limits a config sets. */
export function sampleLimitsFrom(config: RetrainingConfig): SampleLimits {
  return {
    ...DEFAULT_SAMPLE_LIMITS,
    maxFileBytes: config.SAMPLE_MAX_FILE_BYTES,
    wav: { ...DEFAULT_SAMPLE_LIMITS.wav, maxSeconds: config.SAMPLE_MAX_SECONDS },
    thermalMinSide: config.SAMPLE_THERMAL_MIN_SIDE,
    thermalMaxSide: config.SAMPLE_THERMAL_MAX_SIDE,
  };
}

/** Retraining: labelled samples in (issue 14). */
export const retrainingModule: ServiceModule<RetrainingConfig> = {
  name: 'retraining',
  config: (env) => loadConfig(retrainingConfigShape, env),
  // Forecasting created `samples`; ingest's `devices` says which devices are known (docs/ARCHITECTURE.md, cross-module reads).
  schema: [CORE_SCHEMA, FORECASTING_SCHEMA, INGEST_SCHEMA, RETRAINING_SCHEMA],
  routes: [
    { method: 'POST', path: '/api/v1/samples', permission: 'write:samples' },
    { method: 'GET', path: '/api/v1/samples', permission: 'read:samples' },
  ],
  create: (config, context) => {
    const { db, logger } = context;
    const limits = sampleLimitsFrom(config);
    const intake = new SampleIntake({ db: db.db, store: new FileArtifactStore(resolve(config.SAMPLE_STORE_DIR)), limits, clock: systemClock, logger: logger.child({ component: 'samples' }) });
    const router = createSampleRouter(intake, db.db, { maxFileBytes: limits.maxFileBytes, maxFiles: config.SAMPLE_MAX_FILES, maxRequestBytes: config.SAMPLE_MAX_REQUEST_BYTES });
    return { readiness: [], routers: [{ path: '/api/v1', router }], start: async () => {}, stop: async () => {} };
  },
};
