// The distributed-mode host (`runModule`) as a real process against real PostgreSQL and
// NATS: SIGTERM ends it within SHUTDOWN_TIMEOUT_MS whatever its component does, and the exit
// code and the log tell a clean drain from a failed one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { NodeProcess } from './support/node-process.js';

const FIXTURE = 'test/dist/support/lifecycle-fixture-main.js';
const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);

describe('runModule shutdown', { skip: pg.skip || nats.skip, timeout: 300_000 }, () => {
  let throwaway: { url: string; drop(): Promise<void> };
  const started: NodeProcess[] = [];
  before(async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_shutdown');
  });
  after(async () => {
    for (const p of started) await p.kill('SIGKILL');
    await throwaway?.drop();
  });

  async function serve(stop: 'clean' | 'throw' | 'hang', timeoutMs: number): Promise<NodeProcess> {
    const p = NodeProcess.start(FIXTURE, { NATS_URL: nats.url!, DATABASE_URL: throwaway.url, FIXTURE_STOP: stop, SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    started.push(p);
    await p.waitFor(/"msg":"lifecycle-fixture ready"/, 60_000);
    return p;
  }

  it('exits 0 after a clean drain', async () => {
    const p = await serve('clean', 10_000);
    const exit = await p.kill('SIGTERM');
    assert.equal(exit.code, 0, p.output);
    assert.match(p.stdout, /"msg":"stopped cleanly\."/);
  });

  it('exits 1 naming the component when its stop() throws', async () => {
    const p = await serve('throw', 10_000);
    const exit = await p.kill('SIGTERM');
    assert.equal(exit.code, 1, p.output);
    assert.match(p.stdout, /did not stop cleanly: lifecycle-fixture failed \(the fixture could not flush its batch\)/);
    assert.doesNotMatch(p.stdout, /stopped cleanly\./);
  });

  it('exits 1 within the bound when a stop() never returns (a stuck batch)', async () => {
    const p = await serve('hang', 1_000);
    const exit = await p.kill('SIGTERM');
    assert.equal(exit.code, 1, p.output);
    assert.match(p.stdout, /did not stop cleanly: lifecycle-fixture timed out/);
  });

  it('a second signal exits at once', async () => {
    const p = await serve('hang', 120_000);
    p.signal('SIGTERM');
    await p.waitFor(/"msg":"SIGTERM: draining/);
    const exit = await p.kill('SIGTERM');
    assert.equal(exit.code, 143, p.output);
    assert.match(p.stdout, /second SIGTERM: exiting at once/);
  });
});
