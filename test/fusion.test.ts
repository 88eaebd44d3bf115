// Fusion end to end: events published on the bus → rules → alerts in the database → transitions
// on pm.alerts.* and the alert API. Embedded (in-process bus + PGlite) and distributed (NATS
// JetStream + PostgreSQL), with fusion's clock a manual one so silence and quiet periods need no sleeps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { alertEvent, type AlertEvent, type DeviceRef, type ForecastEvent, type FrameKind } from '@premonitor/contracts';
import { publishEvent, type Subscription } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'fusion-test', level: 'silent' });

const modes = await busAndDatabaseModes('fusion', logger);

for (const mode of modes) {
  describe(`fusion, ${mode.name}`, { skip: mode.skip }, () => {
    const site = `fu-${randomBytes(4).toString('hex')}`;
    const tag = site.replace(/-/g, '_');
    const clock = new ManualClock(Date.now());
    const published: AlertEvent[] = [];
    let env: BusAndDatabase;
    const registry = createRegistry('fusion-test', false);
    let fusion: Fusion;
    let http: HttpServer;
    let tap: Subscription;
    let api = '';
    let rulesDir = '';
    let seq = 0;
    const ref = (device: string): DeviceRef => ({ site, device });

    const score = (device: string, kind: FrameKind, value: number, ts = clock.now()) =>
      publishEvent(env.bus, 'scores', [kind, ref(device)], { site, device, kind, ts, seq: ++seq, score: value, modelVersion: 'v1', latencyMs: 3 });
    const alertsOf = (device: string) => env.db.db.selectFrom('alerts').selectAll().where('device_id', '=', `${site}/${device}`).orderBy('id').execute();
    const eventsOf = (alertId: number) => env.db.db.selectFrom('alert_events').selectAll().where('alert_id', '=', alertId).orderBy('id').execute();
    const transitionsOf = (device: string) => published.filter((e) => e.device === device);
    const json = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${api}${path}`, init);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const eventsIn = async (type: string) => {
      const metric = await registry.getSingleMetric('pm_fusion_events_in_total')?.get();
      return metric?.values.find((v) => v.labels.type === type)?.value ?? 0;
    };
    const post = (path: string, body: unknown, actor = 'ann') => json(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-actor': actor }, body: JSON.stringify(body) });
    // Stands in for the host's access control (test/access-control.test.ts), which names the actor from the credential.
    const asActor = Router().use((req, res, next) => {
      res.locals['actor'] = req.get('x-test-actor');
      next();
    });

    before(async () => {
      env = await mode.open();
      rulesDir = await mkdtemp(join(tmpdir(), 'pm-fusion-rules-'));
      const rulesFile = join(rulesDir, 'rules.json');
      await writeFile(rulesFile, JSON.stringify({ overrides: [{ site, device: 'quiet', rules: [{ id: 'device-offline', silenceMs: 5_000 }] }] }));
      fusion = new Fusion(
        { rulesFile, rulesReloadMs: 0, tickMs: 1_000, consumers: { durablePrefix: `fusion_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 5_000 } },
        { db: env.db, bus: env.bus, logger, registry, clock },
      );
      http = new HttpServer({ logger, registry: createRegistry('fusion-http', false), readiness: fusion.readiness, routers: [{ path: '/api/v1', router: asActor }, { path: '/api/v1', router: fusion.router }], portSetting: 'HTTP_PORT' });
      api = `http://127.0.0.1:${await http.start(0)}/api/v1`;
      tap = await env.bus.consume({ stream: 'PM_ALERTS', durable: `tap_${tag}`, filterSubject: `pm.alerts.*.${site}.*`, deliverPolicy: 'new', ackWaitMs: 5_000 }, (m) => {
        const event = alertEvent.parse(JSON.parse(Buffer.from(m.data).toString()));
        assert.equal(m.subject, `pm.alerts.${event.severity.toLowerCase()}.${event.site}.${event.device}`);
        published.push(event);
        m.ack();
      });
      await fusion.start();
    });

    after(async () => {
      await tap?.stop();
      await fusion?.stop();
      await http?.stop();
      await env?.stop();
      await rm(rulesDir, { recursive: true, force: true });
    });

    it('opens one CRITICAL alert for repeated acoustic scores and updates it instead of duplicating', async () => {
      for (const value of [0.9, 0.97, 0.92]) await score('d1', 'acoustic', value);
      const [alert] = await waitFor('three raises counted on one alert', async () => {
        const rows = await alertsOf('d1');
        return rows.length === 1 && rows[0]!.count === 3 ? rows : undefined;
      });
      assert.deepEqual([alert!.rule, alert!.severity, alert!.status, alert!.source, alert!.peak_score], ['acoustic-anomaly', 'CRITICAL', 'open', 'core', 0.97]);
      const events = await eventsOf(alert!.id);
      assert.deepEqual(events.map((e) => [e.from_status, e.to_status, e.actor]), [[null, 'open', 'system']]);
      const [opened] = await waitFor('the open transition on pm.alerts', () => (transitionsOf('d1').length ? transitionsOf('d1') : undefined));
      assert.deepEqual([opened!.alertId, opened!.from, opened!.to, opened!.rule], [String(alert!.id), 'none', 'open', 'acoustic-anomaly']);
      assert.equal(opened!.idempotencyKey, `${alert!.id}:${events[0]!.id}`);
    });

    it('merges an edge alert with the core alert of the same device and rule, escalating it', async () => {
      await publishEvent(env.bus, 'edgeAlerts', [ref('d2')], { site, device: 'd2', ts: clock.now(), seq: 1, rule: 'acoustic-anomaly', severity: 'WARNING', score: 0.8 });
      await waitFor('edge alert', async () => (await alertsOf('d2')).length === 1);
      await score('d2', 'acoustic', 0.9);
      const [alert] = await waitFor('escalated alert', async () => {
        const rows = await alertsOf('d2');
        return rows[0]?.severity === 'CRITICAL' ? rows : undefined;
      });
      assert.equal((await alertsOf('d2')).length, 1);
      assert.deepEqual([alert!.source, alert!.count, alert!.details], ['edge', 2, { message: 'acoustic score 0.9 above 0.85', sources: ['edge', 'core'] }]);
      const seen = await waitFor('open and escalation published', () => (transitionsOf('d2').length === 2 ? transitionsOf('d2') : undefined));
      assert.deepEqual(seen.map((e) => [e.from, e.to, e.severity, e.actor, e.previousSeverity]), [
        ['none', 'open', 'WARNING', 'edge', undefined],
        ['open', 'open', 'CRITICAL', 'system', 'WARNING'],
      ]);
    });

    it('raises the correlated, gas and predicted-failure rules from scores, telemetry and forecasts', async () => {
      const ts = clock.now();
      await score('d3', 'acoustic', 0.7, ts);
      await score('d3', 'thermal', 0.65, ts + 10_000);
      for (const [i, ppm] of [60, 75].entries()) {
        await publishEvent(env.bus, 'telemetry', [ref('d3')], { site, device: 'd3', ts: ts + i, seq: ++seq, readings: { gas_ppm: ppm, temperature: 40 }, receivedAt: ts });
      }
      const forecast: ForecastEvent = { site, device: 'd3', sensorKey: 'temperature', ts, riskScore: 88, riskLevel: 'high', timeToFailureHours: 6, recommendedAction: 'replace bearing' };
      await publishEvent(env.bus, 'forecasts', [ref('d3')], forecast);
      const rows = await waitFor('three alerts on d3', async () => {
        const r = await alertsOf('d3');
        return r.length === 3 ? r : undefined;
      });
      assert.deepEqual(rows.map((r) => [r.rule, r.severity]).sort(), [
        ['correlated-anomaly', 'WARNING'],
        ['gas-leak', 'WARNING'],
        ['predicted-failure', 'WARNING'],
      ]);
      assert.equal(rows.find((r) => r.rule === 'gas-leak')?.peak_score, 75);
    });

    it('raises "device offline" on an offline status, and after silence by the clock, and resolves it when data returns', async () => {
      await publishEvent(env.bus, 'status', [ref('d4')], { site, device: 'd4', state: 'offline', ts: clock.now() });
      await waitFor('offline alert from status', async () => (await alertsOf('d4')).some((a) => a.rule === 'device-offline'));

      await publishEvent(env.bus, 'telemetry', [ref('quiet')], { site, device: 'quiet', ts: clock.now(), seq: ++seq, readings: { temperature: 20 }, receivedAt: clock.now() });
      // Handled asynchronously: the clock may move only once fusion has seen the device.
      await waitFor('telemetry of the quiet device handled', async () => (await eventsIn('telemetry')) >= 3);
      clock.advance(6_000);
      await fusion.tick();
      const [offline] = await waitFor('offline alert from silence', async () => {
        const rows = await alertsOf('quiet');
        return rows.length === 1 ? rows : undefined;
      });
      assert.equal(offline!.rule, 'device-offline');
      assert.match(offline!.title, /device offline/);

      await score('quiet', 'acoustic', 0.1);
      await waitFor('auto-resolved once data returns', async () => {
        await fusion.tick();
        return (await alertsOf('quiet'))[0]?.status === 'resolved';
      });
      const events = await eventsOf(offline!.id);
      assert.deepEqual(events.map((e) => [e.from_status, e.to_status, e.actor]), [[null, 'open', 'system'], ['open', 'resolved', 'system']]);
    });

    it('serves the alerts API: filters, keyset paging, details with events and deliveries, ack and resolve', async () => {
      const list = await json(`/alerts?site=${site}&device=d1`);
      assert.equal(list.status, 200);
      const items = list.body.items as Array<{ id: string; rule: string; status: string; count: number }>;
      assert.deepEqual(items.map((a) => [a.rule, a.status, a.count]), [['acoustic-anomaly', 'open', 3]]);
      const id = items[0]!.id;

      const all = ((await json(`/alerts?site=${site}&limit=1000`)).body.items as Array<{ id: string }>).map((a) => a.id);
      const page1 = await json(`/alerts?site=${site}&limit=2`);
      const page2 = await json(`/alerts?site=${site}&limit=2&cursor=${String(page1.body.next)}`);
      assert.deepEqual([...(page1.body.items as Array<{ id: string }>), ...(page2.body.items as Array<{ id: string }>)].map((a) => a.id), all.slice(0, 4));
      assert.equal(((await json(`/alerts?site=${site}&severity=CRITICAL&status=open`)).body.items as unknown[]).length, 2);
      assert.deepEqual((await json(`/alerts?site=${site}&from=${clock.now() + 86_400_000}`)).body.items, []);

      await env.db.db.insertInto('deliveries').values({ alert_id: Number(id), channel: 'slack', idempotency_key: `${id}:1`, attempt: 1, status: 'delivered', status_code: 200, latency_ms: 12 }).execute();
      const detail = await json(`/alerts/${id}`);
      assert.equal(detail.status, 200);
      assert.deepEqual((detail.body.events as Array<{ to: string }>).map((e) => e.to), ['open']);
      assert.deepEqual((detail.body.deliveries as Array<{ channel: string; statusCode: number }>).map((d) => [d.channel, d.statusCode]), [['slack', 200]]);

      const spoofed = await post(`/alerts/${id}/ack`, { note: 'looking at it', actor: 'mallory' });
      assert.deepEqual([spoofed.status, spoofed.body.field], [400, undefined], 'the actor is not taken from the body');
      const ack = await post(`/alerts/${id}/ack`, { note: 'looking at it' });
      assert.equal(ack.status, 200);
      assert.equal((ack.body.alert as { status: string }).status, 'acknowledged');
      assert.equal((await post(`/alerts/${id}/ack`, { note: 'again' })).status, 409);
      const bad = await post(`/alerts/${id}/resolve`, { note: 5 });
      assert.deepEqual([bad.status, bad.body.field], [400, 'note']);
      const bare = await json(`/alerts/${id}/resolve`, { method: 'POST' });
      assert.deepEqual([bare.status, bare.body.message], [400, 'note: required: send {"note": "…"} saying why (see /docs)'], 'a bare POST says what to send');
      assert.equal((await post('/alerts/999999999/ack', { note: 'x' })).status, 404);
      assert.equal((await json('/alerts/999999999')).status, 404);
      const badQuery = await json('/alerts?status=closed');
      assert.deepEqual([badQuery.status, badQuery.body.field], [400, 'status']);
      assert.equal((await post(`/alerts/${id}/resolve`, { note: 'bearing replaced' }, 'bob')).status, 200);

      const events = await eventsOf(Number(id));
      assert.deepEqual(events.map((e) => [e.from_status, e.to_status, e.actor, e.note]), [
        [null, 'open', 'system', 'acoustic score 0.9 above 0.85'],
        ['open', 'acknowledged', 'ann', 'looking at it'],
        ['acknowledged', 'resolved', 'bob', 'bearing replaced'],
      ]);
      const seen = await waitFor('ack and resolve on pm.alerts', () => (transitionsOf('d1').length === 3 ? transitionsOf('d1') : undefined));
      assert.deepEqual(seen.map((e) => e.to), ['open', 'acknowledged', 'resolved']);
      assert.equal(new Set(seen.map((e) => e.idempotencyKey)).size, 3);

      // Resolved is final: the next occurrence opens a new alert.
      await score('d1', 'acoustic', 0.95);
      const rows = await waitFor('a second alert', async () => ((await alertsOf('d1')).length === 2 ? alertsOf('d1') : undefined));
      assert.deepEqual(rows.map((r) => r.status), ['resolved', 'open']);
    });

    it('updates the alert another replica opened instead of failing or duplicating it', async () => {
      // This engine has never seen d8, so its first raise is fresh and tries to open; the row
      // inserted here stands for another replica's alert of the same (device, rule).
      const now = new Date(clock.now());
      const [other] = await env.db.db
        .insertInto('alerts')
        .values({ device_id: `${site}/d8`, site, rule: 'acoustic-anomaly', severity: 'CRITICAL', status: 'open', source: 'core', title: 'acoustic anomaly', first_seen: now, last_seen: now, count: 1, peak_score: 0.9, details: JSON.stringify({ message: 'seen elsewhere', sources: ['core'] }) })
        .returning('id')
        .execute();
      await score('d8', 'acoustic', 0.96);
      const [alert] = await waitFor('the existing alert updated', async () => {
        const rows = await alertsOf('d8');
        return rows[0]?.count === 2 ? rows : undefined;
      });
      assert.equal((await alertsOf('d8')).length, 1);
      assert.deepEqual([alert!.id, alert!.peak_score, alert!.status], [other!.id, 0.96, 'open']);
      assert.deepEqual(await eventsOf(alert!.id), [], 'an update is not a transition');
    });

    it('auto-resolves many alerts in one tick, each with its own event and published transition', async () => {
      const devices = ['m1', 'm2', 'm3', 'm4'];
      for (const device of devices) await score(device, 'thermal', 0.99);
      const opened = await waitFor('four open alerts', async () => {
        const rows = await Promise.all(devices.map((d) => alertsOf(d)));
        return rows.every((r) => r.length === 1) ? rows.map((r) => r[0]!) : undefined;
      });
      const thermal = (d: string) => transitionsOf(d).filter((e) => e.rule === 'thermal-anomaly');
      await waitFor('four opens published', () => devices.every((d) => thermal(d).length === 1));
      // Past the quiet period (and the offline silence, which raises its own alerts: not looked at here).
      clock.advance(300_001);
      await fusion.tick();
      for (const alert of opened) {
        const [row] = (await alertsOf(alert.device_id.slice(site.length + 1))).filter((a) => a.rule === 'thermal-anomaly');
        assert.equal(row!.status, 'resolved');
        assert.ok(row!.resolved_at !== null);
        assert.deepEqual((await eventsOf(alert.id)).map((e) => [e.from_status, e.to_status, e.actor]), [[null, 'open', 'system'], ['open', 'resolved', 'system']]);
      }
      const resolved = await waitFor('four resolves published', () => (devices.every((d) => thermal(d).length === 2) ? devices.map((d) => thermal(d)[1]!) : undefined));
      assert.deepEqual(resolved.map((e) => [e.device, e.from, e.to, e.alertId]), devices.map((d, i) => [d, 'open', 'resolved', String(opened[i]!.id)]));
      assert.equal(new Set(resolved.map((e) => e.idempotencyKey)).size, 4);
      assert.match(resolved[0]!.note ?? '', /auto-resolved: quiet for 300 s/);
    });

    it('refuses invalid rules from the table with a clear message and keeps the old ones', async () => {
      await env.db.db.insertInto('fusion_rules').values({ site, rule_id: 'thermal-anomaly', definition: JSON.stringify({ id: 'thermal-anomaly', k: 5, m: 2 }) }).execute();
      const result = await fusion.reloadRules();
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, new RegExp(`rule "thermal-anomaly" for site ${site}: k: must not exceed m \\(2\\)`));
      await score('d6', 'thermal', 0.9);
      await waitFor('old rules still raise', async () => (await alertsOf('d6')).length === 1);

      // The file is checked the same way: refused with what is wrong, the old rules stay.
      const rulesFile = join(rulesDir, 'rules.json');
      const good = await readFile(rulesFile, 'utf8');
      await writeFile(rulesFile, JSON.stringify({ rules: [{ id: 'gas-leak', raiseAbove: 'high' }] }));
      const fromFile = await fusion.reloadRules();
      assert.match(fromFile.ok ? '' : fromFile.error, /gas-leak.*raiseAbove/);
      await writeFile(rulesFile, good);

      await env.db.db.updateTable('fusion_rules').set({ definition: JSON.stringify({ id: 'thermal-anomaly', raiseAbove: 0.95, clearBelow: 0.5 }) }).where('site', '=', site).execute();
      assert.deepEqual(await fusion.reloadRules(), { ok: true });
      await score('d7', 'thermal', 0.9);
      await score('d7', 'thermal', 0.97);
      const [alert] = await waitFor('the thermal alert of d7', async () => ((await alertsOf('d7')).length === 1 ? alertsOf('d7') : undefined));
      assert.deepEqual([alert!.rule, alert!.count, alert!.peak_score], ['thermal-anomaly', 1, 0.97], '0.9 is below the new threshold');
    });
  });
}
