// A service is one module: the same tiny module runs on its own under `runModule` (distributed
// mode, a real process against PostgreSQL and NATS) and in a list under `ModuleHost` (embedded
// mode, PGlite and the in-process bus), serving its route and readiness check in both.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { loadConfig, coreConfigShape } from '@premonitor/config';
import { CORE_SCHEMA, openDatabase } from '@premonitor/db';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { ModuleHost, ShutdownError, hosted, stopInOrder, type ServiceModule } from '@premonitor/runtime/host';
import { lifecycleFixtureModule } from './support/lifecycle-fixture-module.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { NodeProcess } from './support/node-process.js';
import { authEnv, bearer } from './support/auth.js';
import { pgliteTemplate } from './support/pglite-template.js';

const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);

/** A second service added to the list in one line; it records when it starts and stops. */
function recordingModule(events: string[]): ServiceModule<ReturnType<typeof loadConfig<ReturnType<typeof coreConfigShape>>>> {
  return {
    name: 'recorder',
    config: (env) => loadConfig(coreConfigShape({ httpPort: 0, databasePoolSize: 1 }), env),
    schema: [CORE_SCHEMA],
    routes: [],
    create: () => ({ readiness: [], routers: [], start: async () => void events.push('recorder started'), stop: async () => void events.push('recorder stopped') }),
  };
}

describe('embedded mode: modules in a list on in-process adapters', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('builds every module with its own settings, serves its routes and readiness, starts downstream-first and stops upstream-first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pm-module-host-'));
    dirs.push(dir);
    const logger = createLogger({ service: 'test', level: 'silent' });
    const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    const bus = new InProcessBus({ logger });
    await bus.start();
    const registry = createRegistry('test');
    const host = new ModuleHost({ db, bus, logger, registry });
    const events: string[] = [];
    await host.create([hosted(lifecycleFixtureModule, { FIXTURE_GREETING: 'from the list' }), hosted(recordingModule(events), {})]);
    assert.deepEqual(host.names, ['lifecycle-fixture', 'recorder']);
    const http = new HttpServer({ logger, registry, readiness: host.readiness, routers: host.routers, portSetting: 'HTTP_PORT' });
    const port = await http.start(0);
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 503, 'not ready before start');
      await host.start();
      assert.deepEqual(events, ['recorder started'], 'the downstream module (listed last) starts first');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { checks: Record<string, boolean> }).checks, { 'lifecycle-fixture-started': true });
      assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/fixture/hello`)).json(), { greeting: 'from the list', mode: 'embedded' });
      const order: string[] = [];
      await stopInOrder(host.stopSteps(), { timeoutMs: 5_000, onStep: (name) => order.push(name) });
      assert.deepEqual(order, ['lifecycle-fixture', 'recorder']);
      assert.deepEqual(events, ['recorder started', 'recorder stopped']);
    } finally {
      await http.stop();
      await bus.stop();
      await db.close();
    }
  });

  it('refuses to start a module that serves a route it did not declare, or declares one without a permission', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const sneaky: ServiceModule = {
      ...lifecycleFixtureModule,
      name: 'sneaky',
      routes: [],
    } as unknown as ServiceModule;
    const host = new ModuleHost({ db: undefined as never, bus: new InProcessBus({ logger }), logger, registry: createRegistry('test') });
    await assert.rejects(host.create([hosted(sneaky, {})]), /module sneaky cannot start: GET \/fixture\/hello is served but not declared/);
    const careless = { ...lifecycleFixtureModule, name: 'careless', routes: [{ method: 'GET', path: '/fixture/hello' }] } as unknown as ServiceModule;
    const second = new ModuleHost({ db: undefined as never, bus: new InProcessBus({ logger }), logger, registry: createRegistry('test') });
    await assert.rejects(second.create([hosted(careless, {})]), /GET \/fixture\/hello has no valid permission/);
  });

  it('refuses a bad setting of any module before building one, naming the variable', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const events: string[] = [];
    const host = new ModuleHost({ db: undefined as never, bus: new InProcessBus({ logger }), logger, registry: createRegistry('test') });
    await assert.rejects(host.create([hosted(recordingModule(events), {}), hosted(lifecycleFixtureModule, { FIXTURE_STOP: 'sometimes' })]), /FIXTURE_STOP/);
    assert.deepEqual(host.names, []);
  });

  it('names a module whose stop() fails', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    const host = new ModuleHost({ db: undefined as never, bus: new InProcessBus({ logger }), logger, registry: createRegistry('test') });
    await host.create([hosted(lifecycleFixtureModule, { FIXTURE_STOP: 'throw' })]);
    const err = await stopInOrder(host.stopSteps(), { timeoutMs: 5_000 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ShutdownError);
    assert.match(err.message, /lifecycle-fixture failed \(the fixture could not flush its batch\)/);
  });
});

describe('distributed mode: the same module as its own process', { skip: pg.skip || nats.skip, timeout: 180_000 }, () => {
  it('serves its route, readiness, health and metrics from one line of main.ts', async () => {
    const throwaway = await createThrowawayDatabase(pg.url!, 'pm_module_host');
    const p = NodeProcess.start('test/dist/support/lifecycle-fixture-main.js', { NATS_URL: nats.url!, DATABASE_URL: throwaway.url, FIXTURE_GREETING: 'on its own', ...authEnv() });
    try {
      await p.waitFor(/"msg":"lifecycle-fixture ready"/, 60_000);
      const port = Number(/"port":(\d+)[^\n]*lifecycle-fixture ready/.exec(p.stdout)?.[1]);
      assert.ok(port > 0, p.output);
      assert.equal((await fetch(`http://127.0.0.1:${port}/fixture/hello`)).status, 401, 'the host enforces the declared permission');
      assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/fixture/hello`, { headers: bearer() })).json(), { greeting: 'on its own', mode: 'distributed' });
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
      assert.match(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), /# HELP/);
      assert.equal((await p.kill('SIGTERM')).code, 0, p.output);
    } finally {
      await p.kill('SIGKILL');
      await throwaway.drop();
    }
  });
});
