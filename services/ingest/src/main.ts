// Distributed mode: ingest as its own process against MQTT_URL, NATS_URL and DATABASE_URL.
import { runModule } from '@premonitor/runtime';
import { ingestModule } from './module.js';

runModule(ingestModule);
