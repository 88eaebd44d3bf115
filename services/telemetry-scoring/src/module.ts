import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { INFERENCE_SCHEMA } from '@premonitor/inference/schema';
import type { ServiceModule } from '@premonitor/runtime';
import { settingsFromConfig, telemetryScoringConfigShape, vibrationSettingsFromConfig, type TelemetryScoringConfig } from './telemetry-scoring-config.js';
import { TelemetryScoring } from './telemetry-scoring.js';
import { TELEMETRY_SCORING_SCHEMA } from './schema.js';
import { VibrationScoring } from './vibration-scoring.js';

/**
 * Telemetry scoring (issue 15): each device's scalar sensors, windowed, scored by a PCA T²+Q
 * model fitted on the device's own healthy history → `pm.scores.telemetry.*` and `scores`; and
 * the vibration windows devices send (`pm.frames.vibration.*`) scored by the vibration model →
 * `pm.scores.vibration.*` and `scores`.
 */
export const telemetryScoringModule: ServiceModule<TelemetryScoringConfig> = {
  name: 'telemetry-scoring',
  config: (env) => loadConfig(telemetryScoringConfigShape, env),
  // Inference's `scores`: telemetry window scores are stored with the frame scores (kind `telemetry`).
  schema: [CORE_SCHEMA, INFERENCE_SCHEMA, TELEMETRY_SCORING_SCHEMA],
  routes: [
    { method: 'GET', path: '/api/v1/telemetry/devices', permission: 'read:baselines', site: 'fleet' },
    { method: 'GET', path: '/api/v1/telemetry/devices/:site/:device', permission: 'read:baselines' },
    { method: 'GET', path: '/api/v1/telemetry/devices/:site/:device/model.onnx', permission: 'read:baselines' },
    { method: 'POST', path: '/api/v1/telemetry/devices/:site/:device/reset', permission: 'admin:baselines' },
  ],
  create: (config, context) => {
    const scoring = new TelemetryScoring(settingsFromConfig(config), context);
    const vibrationSettings = vibrationSettingsFromConfig(config);
    const vibration = vibrationSettings ? new VibrationScoring(vibrationSettings, context, config.DEAD_LETTER_MAX_BYTES) : undefined;
    return {
      readiness: scoring.readiness,
      routers: [{ path: '/api/v1', router: scoring.router }],
      start: async () => {
        await scoring.start();
        await vibration?.start();
      },
      stop: async () => {
        await Promise.all([scoring.stop(), vibration?.stop()]);
      },
    };
  },
};
