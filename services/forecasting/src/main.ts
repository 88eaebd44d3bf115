// Distributed mode: forecasting as its own process against NATS_URL and DATABASE_URL.
import { runModule } from '@premonitor/runtime';
import { forecastingModule } from './module.js';

runModule(forecastingModule);
