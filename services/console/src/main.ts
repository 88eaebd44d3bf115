// Distributed mode: the console as its own process (the page and the auth API), behind the Ingress's `/`.
import { runModule } from '@premonitor/runtime';
import { consoleModule } from './console-module.js';

runModule(consoleModule);
