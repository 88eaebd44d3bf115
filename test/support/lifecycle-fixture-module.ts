// A tiny service module for tests of both hosts: `runModule` (distributed, one process) and
// `ModuleHost` (embedded, in a list). Its stop() does what FIXTURE_STOP says — `clean`, `throw`,
// or `hang`; its one route, GET /fixture/hello, answers with its name and FIXTURE_GREETING.
import { Router } from 'express';
import { z } from 'zod';
import { coreConfigShape, envPort, loadConfig } from '@premonitor/config';
import { CORE_SCHEMA } from '@premonitor/db';
import type { ServiceModule } from '@premonitor/runtime/host';

const shape = {
  ...coreConfigShape({ httpPort: 0, databasePoolSize: 2 }),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envPort(0),
  FIXTURE_STOP: z.enum(['clean', 'throw', 'hang']).default('clean'),
  FIXTURE_GREETING: z.string().default('hello'),
};

export const lifecycleFixtureModule: ServiceModule<ReturnType<typeof loadConfig<typeof shape>>> = {
  name: 'lifecycle-fixture',
  config: (env) => loadConfig(shape, env),
  // Owns no table; the core's (dead letters) is what every host migrates.
  schema: [CORE_SCHEMA],
  routes: [{ method: 'GET', path: '/fixture/hello', permission: 'read:fixture' }],
  create: (config, context) => {
    const router = Router();
    let started = false;
    router.get('/hello', (_req, res) => void res.json({ greeting: config.FIXTURE_GREETING, mode: context.mode }));
    return {
      readiness: [{ name: 'started', check: () => started }],
      routers: [{ path: '/fixture', router }],
      start: async () => void (started = true),
      stop: () => {
        if (config.FIXTURE_STOP === 'throw') return Promise.reject(new Error('the fixture could not flush its batch'));
        if (config.FIXTURE_STOP === 'hang') return new Promise<void>(() => undefined);
        return Promise.resolve();
      },
    };
  },
};
