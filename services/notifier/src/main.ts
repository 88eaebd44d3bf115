// Distributed mode: the notifier as its own process against NATS_URL and DATABASE_URL.
import { runModule } from '@premonitor/runtime';
import { notifierModule } from './module.js';

runModule(notifierModule);
