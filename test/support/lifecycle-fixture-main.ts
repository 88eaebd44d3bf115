// A distributed-mode service for tests of the host (`runModule`): a module whose component's
// stop() does what FIXTURE_STOP says — `clean`, `throw`, or `hang` (never returns, like ingest
// with a stuck batch). Run as a child process: `node test/dist/support/lifecycle-fixture-main.js`.
import { runModule } from '@premonitor/runtime';
import { lifecycleFixtureModule } from './lifecycle-fixture-module.js';

runModule(lifecycleFixtureModule);
