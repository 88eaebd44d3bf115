// Distributed mode: fusion as its own process against NATS_URL and DATABASE_URL; SIGHUP re-reads the rules.
import { runModule } from '@premonitor/runtime';
import { fusionModule } from './module.js';

runModule(fusionModule);
