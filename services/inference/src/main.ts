// Distributed mode: one inference process per kind (INFERENCE_KIND=acoustic|thermal) against NATS_URL, DATABASE_URL and the model folder MODEL_STORE_DIR.
import { runModule } from '@premonitor/runtime';
import { inferenceModule } from './module.js';

runModule(inferenceModule);
