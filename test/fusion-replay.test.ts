// At-least-once delivery into fusion, exactly-once alert transitions: an event fusion applied
// and then receives again — redelivered because the process died between writing the
// transition and acknowledging the event, or handed to a second replica — changes nothing.
// Against the store directly (embedded PGlite and a throwaway PostgreSQL database), and end to
// end: a fusion whose acknowledgements are lost (its "crash"), then a fresh one on the same
// durable consumers receiving the redelivery (in-process bus, and NATS JetStream).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { alertEvent, type AlertEvent, type DeviceRef } from '@premonitor/contracts';
import { publishEvent, type Bus, type BusMessage, type Subscription } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { Fusion, KyselyAlertStore, type RaiseDecision } from '@premonitor/fusion';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { stopRealServices } from './support/real-services.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'fusion-replay-test', level: 'silent' });

const modes = await busAndDatabaseModes('replay', logger);
after(() => stopRealServices());

/**
 * The bus as a process that dies right after its database writes sees it: every message is
 * handled, none is ever acknowledged (or nak-ed), so the bus delivers each again later.
 */
function acksLost(bus: Bus): Bus {
  const lost = (m: BusMessage): BusMessage => ({
    subject: m.subject,
    data: m.data,
    headers: m.headers,
    deliveryCount: m.deliveryCount,
    seq: m.seq,
    ack: () => undefined,
    nak: () => undefined,
    term: () => undefined,
  });
  return {
    start: () => bus.start(),
    stop: () => bus.stop(),
    publish: (subject, data, options) => bus.publish(subject, data, options),
    consume: (spec, handler) => bus.consume(spec, (m) => handler(lost(m))),
    isReady: () => bus.isReady(),
    consumerLag: () => bus.consumerLag(),
  };
}

for (const mode of modes) {
  describe(`fusion replays, ${mode.name}`, { skip: mode.skip }, () => {
    const site = `rp-${randomBytes(4).toString('hex')}`;
    let env: BusAndDatabase;
    let store: KyselyAlertStore;
    const ref = (device: string): DeviceRef => ({ site, device });
    const raise = (device: string, over: Partial<RaiseDecision> = {}): RaiseDecision => ({
      type: 'raise',
      ref: ref(device),
      ruleId: 'gas-leak',
      severity: 'WARNING',
      title: 'gas leak',
      score: 80,
      source: 'core',
      at: Date.now(),
      message: 'gas_ppm 80 above 50',
      fresh: true,
      sourceEvent: 'telemetry:1000:1',
      ...over,
    });
    const alertsOf = (device: string) => env.db.db.selectFrom('alerts').selectAll().where('device_id', '=', `${site}/${device}`).orderBy('id').execute();
    const eventsOf = async (device: string) => {
      const alerts = await alertsOf(device);
      if (alerts.length === 0) return [];
      return env.db.db.selectFrom('alert_events').selectAll().where('alert_id', 'in', alerts.map((a) => a.id)).orderBy('id').execute();
    };
    const outboxOf = async (device: string) => (await env.db.db.selectFrom('alert_outbox').select(['payload']).execute()).filter((r) => (r.payload as unknown as AlertEvent).device === device);

    before(async () => {
      env = await mode.open();
      store = new KyselyAlertStore(env.db.db);
    });
    after(async () => {
      await env?.stop();
    });

    it('opens one alert and one outbox entry for an event applied twice, and none when it comes again after the alert resolved', async () => {
      const first = await store.raise(raise('s1'));
      assert.deepEqual([first.replay, first.entries.length], [false, 1]);
      const again = await store.raise(raise('s1'));
      assert.deepEqual(again, { entries: [], replay: true });
      assert.equal((await alertsOf('s1')).length, 1);
      assert.equal((await outboxOf('s1')).length, 1);

      await store.resolveRules([{ type: 'resolve', ref: ref('s1'), ruleId: 'gas-leak', at: Date.now(), note: 'auto-resolved' }], 'system');
      // A restarted engine knows nothing of the alert: the replayed event's raise is "fresh" again.
      assert.deepEqual(await store.raise(raise('s1')), { entries: [], replay: true });
      assert.deepEqual((await alertsOf('s1')).map((a) => [a.status, a.count]), [['resolved', 1]]);
      assert.deepEqual((await eventsOf('s1')).map((e) => e.to_status), ['open', 'resolved']);

      // The next reading is a new event and opens a new alert.
      const next = await store.raise(raise('s1', { sourceEvent: 'telemetry:2000:2' }));
      assert.deepEqual([next.replay, next.entries.map((e) => e.payload.to)], [false, ['open']]);
      assert.equal((await alertsOf('s1')).length, 2);
    });

    it('counts an update once however often its event comes, on the open alert and after it resolved', async () => {
      await store.raise(raise('s2'));
      const update = raise('s2', { fresh: false, score: 90, sourceEvent: 'telemetry:2000:2' });
      assert.deepEqual(await store.raise(update), { entries: [], replay: false });
      assert.deepEqual(await store.raise(update), { entries: [], replay: true });
      assert.deepEqual((await alertsOf('s2')).map((a) => [a.count, a.peak_score]), [[2, 90]]);
      await store.resolveRules([{ type: 'resolve', ref: ref('s2'), ruleId: 'gas-leak', at: Date.now(), note: 'auto-resolved' }], 'system');
      // Had only opens been recorded, this replay would open a second alert.
      assert.deepEqual(await store.raise({ ...update, fresh: true }), { entries: [], replay: true });
      assert.equal((await alertsOf('s2')).length, 1);
    });

    it('applies an event once when several replicas apply it at the same moment', async () => {
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => store.raise(raise('s3'))));
      assert.equal(outcomes.filter((o) => !o.replay).length, 1);
      assert.equal(outcomes.flatMap((o) => o.entries).length, 1);
      assert.deepEqual((await alertsOf('s3')).map((a) => a.count), [1]);
      assert.equal((await outboxOf('s3')).length, 1);
    });

    it('keys each rule separately: one event may raise two rules of its device', async () => {
      await store.raise(raise('s4'));
      const other = await store.raise(raise('s4', { ruleId: 'gas-high' }));
      assert.equal(other.replay, false);
      assert.deepEqual((await alertsOf('s4')).map((a) => a.rule).sort(), ['gas-high', 'gas-leak']);
    });

    it('forgets the keys of events applied before the retention cut, and only those', async () => {
      const old = Date.now() - 50 * 3_600_000;
      await store.raise(raise('s5', { at: old, sourceEvent: 'telemetry:1:1' }));
      await store.raise(raise('s5', { fresh: false, sourceEvent: 'telemetry:2:2' }));
      const keysOf = async () => (await env.db.db.selectFrom('fusion_applied_events').select('source_event').where('device_id', '=', `${site}/s5`).orderBy('source_event').execute()).map((r) => r.source_event);
      assert.deepEqual(await keysOf(), ['telemetry:1:1', 'telemetry:2:2']);
      assert.ok((await store.forgetAppliedEvents(new Date(Date.now() - 48 * 3_600_000))) >= 1);
      assert.deepEqual(await keysOf(), ['telemetry:2:2']);
    });

    describe('a fusion that dies between writing and acknowledging', () => {
      const tag = site.replace(/-/g, '_');
      const published: AlertEvent[] = [];
      const clock = new ManualClock(Date.now());
      let tap: Subscription;
      let rulesDir = '';
      let seq = 0;

      const start = async (bus: Bus) => {
        const registry = createRegistry('fusion-replay', false);
        const fusion = new Fusion(
          // Every gas reading opens an alert and the next tick resolves it: the case where a replay would open a second one.
          { rulesFile: join(rulesDir, 'rules.json'), rulesReloadMs: 0, tickMs: 1_000, consumers: { durablePrefix: `replay_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 1_000 } },
          { db: env.db, bus, logger, registry, clock },
        );
        await fusion.start();
        const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
        return { fusion, metric };
      };
      const gas = (device: string, ppm: number) =>
        publishEvent(env.bus, 'telemetry', [ref(device)], { site, device, ts: clock.now(), seq: ++seq, readings: { gas_ppm: ppm }, receivedAt: clock.now() });

      before(async () => {
        rulesDir = await mkdtemp(join(tmpdir(), 'pm-replay-rules-'));
        await writeFile(join(rulesDir, 'rules.json'), JSON.stringify({ rules: [{ id: 'gas-leak', k: 1, m: 1, quietPeriodMs: 0 }, { id: 'device-offline', enabled: false }] }));
        tap = await env.bus.consume({ stream: 'PM_ALERTS', durable: `tap_${tag}`, filterSubject: `pm.alerts.*.${site}.*`, deliverPolicy: 'new', ackWaitMs: 5_000 }, (m) => {
          published.push(alertEvent.parse(JSON.parse(Buffer.from(m.data).toString())));
          m.ack();
        });
      });
      after(async () => {
        await tap?.stop();
        await rm(rulesDir, { recursive: true, force: true });
      });

      it('leaves its event to a successor, which opens no second alert and publishes nothing again', async () => {
        const first = await start(acksLost(env.bus));
        await gas('k1', 120);
        await waitFor('the alert opened', async () => (await alertsOf('k1')).length === 1);
        await first.fusion.tick();
        await waitFor('the alert resolved', async () => (await alertsOf('k1'))[0]?.status === 'resolved');
        await waitFor('open and resolve published', () => published.filter((e) => e.device === 'k1').length === 2);
        await first.fusion.stop();

        // The successor: a new engine that has never seen k1, on the same durable consumers.
        const second = await start(env.bus);
        try {
          // Skipped (the replay counter), or — the defect — applied as a new reading.
          await waitFor('the redelivered reading handled', async () => (await second.metric('pm_fusion_replays_total')) >= 1 || (await alertsOf('k1')).length > 1, 30_000, 50);
          assert.equal(await second.metric('pm_fusion_transitions_total'), 0);
          assert.deepEqual((await alertsOf('k1')).map((a) => [a.status, a.count]), [['resolved', 1]]);
          assert.deepEqual((await eventsOf('k1')).map((e) => e.to_status), ['open', 'resolved']);
          assert.deepEqual(await outboxOf('k1'), []);

          // Alive, not stuck: the device's next reading opens the next alert.
          await gas('k1', 130);
          await waitFor('the next alert', async () => (await alertsOf('k1')).length === 2);
          await waitFor('its open published', () => published.filter((e) => e.device === 'k1' && e.to === 'open').length === 2);
          const opens = published.filter((e) => e.device === 'k1' && e.to === 'open');
          assert.deepEqual(opens.map((e) => e.peakScore), [120, 130], 'one open per reading');
        } finally {
          await second.fusion.stop();
        }
      });
    });
  });
}
