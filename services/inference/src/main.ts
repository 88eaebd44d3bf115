// Distributed mode: one inference process per kind (INFERENCE_KIND=acoustic|thermal) against
// NATS_URL, DATABASE_URL and the model folder MODEL_STORE_DIR.
import { loadConfig } from '@premonitor/config';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { runCoreService } from '@premonitor/runtime';
import { inferenceConfigShape } from './inference-config.js';
import { Inference, settingsFromConfig } from './index.js';

runCoreService({
  name: (config) => `${config.INFERENCE_KIND}-inference`,
  config: () => loadConfig(inferenceConfigShape, process.env),
  create: (config, deps) => {
    const models = new ModelRegistry({ db: deps.db.db, bus: deps.bus, store: new FileArtifactStore(config.MODEL_STORE_DIR), logger: deps.logger });
    const inference = new Inference(settingsFromConfig(config), { ...deps, models });
    return {
      readiness: inference.readiness,
      routers: [{ path: '/api/v1', router: inference.router }],
      start: async () => {
        await inference.start();
        deps.logger.info({ kind: config.INFERENCE_KIND, model: inference.modelVersion ?? null }, 'scoring');
      },
      stop: () => inference.stop(),
    };
  },
});
