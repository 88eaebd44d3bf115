import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import { sharedModelRegistry, REGISTRY_SCHEMA } from '@premonitor/registry';
import type { ServiceModule } from '@premonitor/runtime';
import { inferenceConfigShape, type InferenceConfig } from './inference-config.js';
import { baselineListQuery, enrollBody, faultyBody } from './baseline/baseline-api.js';
import { Inference } from './inference.js';
import { settingsFromConfig } from './settings-from-config.js';
import { INFERENCE_SCHEMA } from './schema.js';

/** What the score routes take instead of JSON-described bodies (score-api.ts). */
const SCORE_UPLOADS = {
  'audio/wav': 'acoustic: a WAV clip (16-bit PCM)',
  'application/json': 'thermal: a matrix of °C, rows × columns',
  'text/csv': 'thermal: the matrix as CSV',
};

/** Default HTTP_PORT by kind, so an acoustic and a thermal instance can run side by side on one host. */
const DEFAULT_PORTS: Readonly<Record<string, string>> = { acoustic: '8084', thermal: '8085' };

/** Inference of one kind (INFERENCE_KIND): scores frames with the registry's production model; uploads, baselines and model status. */
export const inferenceModule: ServiceModule<InferenceConfig> = {
  name: (config) => `${config.INFERENCE_KIND}-inference`,
  config: (env) => loadConfig(inferenceConfigShape, { HTTP_PORT: DEFAULT_PORTS[env.INFERENCE_KIND ?? ''], ...env }),
  // The registry's `models`: the production model it serves.
  schema: [CORE_SCHEMA, REGISTRY_SCHEMA, INFERENCE_SCHEMA],
  routes: [
    { method: 'POST', path: '/api/v1/inference/score', permission: 'write:scores', site: 'fleet', docs: { summary: 'Score an uploaded sample; the kind follows from the media type', uploads: SCORE_UPLOADS } },
    { method: 'POST', path: '/api/v1/inference/:kind/score', permission: 'write:scores', site: 'fleet', docs: { summary: 'Score an uploaded sample with the kind’s model in service', uploads: SCORE_UPLOADS } },
    { method: 'GET', path: '/api/v1/inference/:kind/model', permission: 'read:models', site: 'fleet', docs: { summary: 'The model in service, production and fallback state' } },
    { method: 'GET', path: '/api/v1/inference/:kind/baselines', permission: 'read:baselines', siteFilter: true, docs: { summary: 'Per-device baselines and enrollments', query: baselineListQuery } },
    { method: 'GET', path: '/api/v1/inference/:kind/baselines/:site/:device', permission: 'read:baselines', docs: { summary: 'A device’s baselines and which reference scores it' } },
    { method: 'POST', path: '/api/v1/inference/:kind/baselines/:site/:device/reset', permission: 'admin:baselines', docs: { summary: 'Forget a device’s baseline: it enrolls again (no body)' } },
    { method: 'POST', path: '/api/v1/inference/:kind/baselines/:site/:device/enroll', permission: 'admin:baselines', docs: { summary: 'Restart a device’s enrollment', body: enrollBody, example: { acceptFleetAnomalous: true } } },
    { method: 'POST', path: '/api/v1/inference/:kind/baselines/:site/:device/faulty', permission: 'admin:baselines', docs: { summary: 'Mark a device faulty: its samples are dropped and it does not enroll until reset or enroll', body: faultyBody, example: { note: 'bearing noise heard on site' } } },
  ],
  create: (config, context) => {
    const models = sharedModelRegistry(context, config.MODEL_STORE_DIR);
    // Embedded mode serves both kinds on one HTTP server: the unqualified upload path is then shared.
    const inference = new Inference({ ...settingsFromConfig(config), sharedUploadPath: context.mode === 'embedded' }, { ...context, models });
    return {
      readiness: inference.readiness,
      routers: [{ path: '/api/v1', router: inference.router }],
      start: async () => {
        await inference.start();
        context.logger.info({ kind: config.INFERENCE_KIND, model: inference.modelVersion ?? null }, 'scoring');
      },
      stop: () => inference.stop(),
    };
  },
};

