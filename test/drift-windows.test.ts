// The drift monitor's windows in the database (issue 14, item 7): two replicas that each get a
// share of a device's scores judge the same window and publish a state change once; a restarted
// monitor resumes the window and the verdict; a promotion's end of drift is said by one replica.
// Embedded (PGlite + in-process bus) and distributed (PostgreSQL + NATS) modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import type { ModelHealthEvent, ScoreEvent } from '@premonitor/contracts';
import type { Subscription } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { DriftMonitor, scoreReferenceOf, scoreReferenceRepository, type DriftSettings } from '@premonitor/retraining';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { collectModelHealth } from './support/model-health-events.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'drift-windows-test', level: process.env.TEST_LOG ? 'info' : 'silent' });
const settings: DriftSettings = { window: 40, minWindow: 20, bins: 10, psiThreshold: 0.25, jsThreshold: 0.3, referenceFrames: 100, alertScore: 0.85 };
/** Scores like the reference's (evenly 0–0.5). */
const healthy = (i: number) => ((i * 37) % 100) / 200;

for (const mode of await busAndDatabaseModes('drift-windows', logger)) {
  describe(`drift windows shared by replicas and kept across restarts, ${mode.name}`, { skip: mode.skip, timeout: 120_000 }, () => {
    const site = `dw-${randomBytes(4).toString('hex')}`;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let env: BusAndDatabase;
    let health: Subscription;
    let production = 'v1';
    const events: ModelHealthEvent[] = [];
    let seq = 0;
    const monitor = () => new DriftMonitor({ db: env.db.db, bus: env.bus, clock, logger, metrics: new Registry(), production: async () => production }, settings);
    const score = (device: string, value: number): ScoreEvent => ({ site, device, kind: 'thermal', ts: clock.now(), seq: ++seq, score: value, modelVersion: production, latencyMs: 1 });
    const driftEvents = (device: string, state: 'drifting' | 'ok') => events.filter((e) => e.event === 'drift' && e.device === device && e.state === state);

    before(async () => {
      env = await mode.open();
      for (const version of ['v1', 'v2']) await scoreReferenceRepository.save(env.db.db, scoreReferenceOf('thermal', version, 'held-out', Array.from({ length: 100 }, (_, i) => healthy(i)), 10, 0.85));
      health = await collectModelHealth(env.bus, site, 'thermal', events);
    });

    after(async () => {
      await health?.stop();
      await env?.stop();
    });

    it('two monitors that each see half of a device\'s scores judge its whole window, keep it bounded, and publish its drift once', async () => {
      const [a, b] = [monitor(), monitor()];
      for (let i = 0; i < 20; i++) await (i % 2 ? a : b).observe(score('cam-1', healthy(i)));
      for (const m of [a, b]) {
        const [d] = (await m.status('thermal')).devices;
        assert.deepEqual([d?.device.device, d?.window, d?.drifting], ['cam-1', 20, false], JSON.stringify(d));
        assert.ok(d!.psi! < 0.25, `PSI ${d!.psi}`);
      }
      // 40 scores of 0.9, alternating: each monitor alone would hold 20 old + 20 new in a window of its own.
      for (let i = 0; i < 40; i++) await (i % 2 ? a : b).observe(score('cam-1', 0.9));
      const [sa, sb] = [(await a.status('thermal')).devices, (await b.status('thermal')).devices];
      assert.deepEqual(sa, sb, 'both serve the same verdict');
      assert.deepEqual([sa[0]?.window, sa[0]?.drifting], [40, true]);
      assert.ok(sa[0]!.psi! > 2, `a window all above the reference: PSI ${sa[0]!.psi}`);
      await waitFor('the drift event', () => (driftEvents('cam-1', 'drifting').length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(driftEvents('cam-1', 'drifting').length, 1, 'one replica published the change');
      const stored = await env.db.db.selectFrom('model_drift_samples').select((eb) => eb.fn.countAll<string>().as('n')).where('device_id', '=', `${site}/cam-1`).executeTakeFirstOrThrow();
      // Each replica prunes every window / 10 of its appends: at most that many over the window each.
      assert.ok(Number(stored.n) >= 40 && Number(stored.n) <= 40 + 2 * 4, `${stored.n} samples stored`);
      // A score delivered again (to the other replica, after a restart) is not a second sample.
      const last = score('cam-1', 0.1);
      await a.observe(last);
      await b.observe(last);
      const [d] = (await a.status('thermal')).devices;
      const rows = await env.db.db.selectFrom('model_drift_samples').select('seq').where('device_id', '=', `${site}/cam-1`).where('seq', '=', last.seq).execute();
      assert.deepEqual([rows.length, d?.window], [1, 40]);
    });

    it('a restarted monitor resumes a device\'s window and verdict: it says the drift is over once the scores are healthy again', async () => {
      const before = monitor();
      for (let i = 0; i < 30; i++) await before.observe(score('cam-2', 0.95));
      assert.equal((await before.status('thermal')).devices.find((d) => d.device.device === 'cam-2')?.drifting, true);
      await waitFor('cam-2 drifting', () => (driftEvents('cam-2', 'drifting').length > 0 ? true : undefined));
      // A new process: nothing in memory.
      const restarted = monitor();
      const resumed = (await restarted.status('thermal')).devices.find((d) => d.device.device === 'cam-2');
      assert.deepEqual([resumed?.window, resumed?.drifting], [30, true]);
      for (let i = 0; i < 40; i++) await restarted.observe(score('cam-2', healthy(i)));
      await waitFor('cam-2 back to ok', () => (driftEvents('cam-2', 'ok').length > 0 ? true : undefined));
      assert.equal(driftEvents('cam-2', 'drifting').length, 1, 'the restart did not announce the drift again');
    });

    it('a promotion ends the replaced model\'s drift once, whichever replicas hear of it, and starts empty windows', async () => {
      const [a, b] = [monitor(), monitor()];
      for (let i = 0; i < 30; i++) await a.observe(score('cam-3', 0.95));
      await waitFor('cam-3 drifting', () => (driftEvents('cam-3', 'drifting').length > 0 ? true : undefined));
      production = 'v2';
      await Promise.all([a.modelChanged('thermal'), b.modelChanged('thermal')]);
      await waitFor('cam-3 drift over', () => (driftEvents('cam-3', 'ok').length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(driftEvents('cam-3', 'ok').length, 1);
      assert.deepEqual((await b.status('thermal')).devices, []);
      const left = await env.db.db.selectFrom('model_drift_samples').select('version').where('device_id', 'like', `${site}/%`).execute();
      assert.deepEqual(left, [], 'the replaced model\'s windows are gone');
    });
  });
}
