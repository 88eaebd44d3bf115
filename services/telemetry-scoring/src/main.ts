// Distributed mode: telemetry scoring as its own process against NATS_URL and DATABASE_URL.
import { runModule } from '@premonitor/runtime';
import { telemetryScoringModule } from './module.js';

runModule(telemetryScoringModule);
