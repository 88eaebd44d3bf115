// A distributed-mode service for tests of the host (`runCoreService`): its component's stop()
// does what FIXTURE_STOP says — `clean`, `throw`, or `hang` (never returns, like ingest with a
// stuck batch). Run as a child process: `node test/dist/support/lifecycle-fixture-main.js`.
import { z } from 'zod';
import { envEnum, envPort, envUrl, loadConfig, shutdownConfigShape } from '@premonitor/config';
import { runCoreService } from '@premonitor/runtime';

const shape = {
  NATS_URL: envUrl(['nats']),
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envPort(0),
  LOG_LEVEL: envEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  FIXTURE_STOP: z.enum(['clean', 'throw', 'hang']).default('clean'),
  ...shutdownConfigShape,
};

runCoreService({
  name: 'lifecycle-fixture',
  config: () => loadConfig(shape, process.env),
  create: (config) => ({
    readiness: [],
    routers: [],
    start: async () => undefined,
    stop: () => {
      if (config.FIXTURE_STOP === 'throw') return Promise.reject(new Error('the fixture could not flush its batch'));
      if (config.FIXTURE_STOP === 'hang') return new Promise<void>(() => undefined);
      return Promise.resolve();
    },
  }),
});
