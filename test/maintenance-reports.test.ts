// Maintenance reports (issue 18) on real PostgreSQL and NATS (and embedded: in-process bus + PGlite): a report on an alert goes from
// fusion (POST /alerts/:id/report) over pm.reports.submitted to the retraining module, which
// stores it, scores it with the production triage model and publishes pm.reports.scored; fusion's
// maintenance-report rule raises the alert one severity level on an availability or
// process-safety score of 4–5 (not on a low one) and opens a WARNING alert for a device report.
// Without a triage model a report is stored unscored (said in GET /reports); a correction becomes
// a triage training record; bad input is refused with its reason and stores nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Subscription } from '@premonitor/bus';
import { databaseDeadLetters } from '@premonitor/db';
import { Fusion } from '@premonitor/fusion';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { ConsumerPolicy } from '@premonitor/resilience';
import { ReportIntake, TriageScorer, consumeReports, createReportRouter, triageRecordRepository } from '@premonitor/retraining';
import { systemClock } from '@premonitor/time';
import { trainTriageModel } from '@premonitor/training/triage';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';
import { scoredReports } from './support/triage-records.js';

const logger = createLogger({ service: 'maintenance-reports-test', level: (process.env['PM_TEST_LOG'] ?? 'silent') as 'silent' });

// Expert scores (availability, fiability, process safety) of short reports, repeated over equipment.
const trainingRecords = scoredReports('t', ['press', 'pump', 'fan', 'compressor']);

interface ReportView {
  id: string;
  site: string;
  device: string;
  alert_id: string | null;
  author: string;
  scored: boolean;
  scores: Record<'availability' | 'fiability' | 'process_safety', { score: number; confidence: number }> | null;
  model_version: string | null;
  unscored_reason?: string;
}

const modes = await busAndDatabaseModes('maintenance-reports', logger);
for (const mode of modes) {
  describe(`maintenance reports, ${mode.name}`, { skip: mode.skip, timeout: 240_000 }, () => {
    const site = `mr-${randomBytes(4).toString('hex')}`;
    const tag = site.replace(/-/g, '_');
    let env: BusAndDatabase;
    let dir = '';
    let registry: ModelRegistry;
    let scorer: TriageScorer;
    let fusion: Fusion;
    let http: HttpServer;
    let reports: Subscription;
    let policy: ConsumerPolicy;
    let api = '';

    const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, actor = 'otto') => {
      const res = await fetch(`${api}${path}`, { method, headers: { 'content-type': 'application/json', 'x-test-actor': actor }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, body: (await res.json()) as T };
    };
    const asActor = Router().use((req, res, next) => {
      res.locals['actor'] = req.get('x-test-actor');
      next();
    });
    const insertDevice = (device: string) => env.db.db.insertInto('devices').values({ id: `${site}/${device}`, site, device, first_seen: new Date(), last_seen: new Date(), online: true, status_changed_at: new Date() }).execute();
    const insertAlert = async (device: string, severity: 'INFO' | 'WARNING') => {
      const row = await env.db.db
        .insertInto('alerts')
        .values({ device_id: `${site}/${device}`, site, rule: 'acoustic-anomaly', severity, title: 'acoustic anomaly', first_seen: new Date(), last_seen: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    };
    const alertsOf = (device: string) => env.db.db.selectFrom('alerts').select(['id', 'rule', 'severity', 'status']).where('device_id', '=', `${site}/${device}`).orderBy('id').execute();
    const reportsOf = async (query: string) => (await call<{ items: ReportView[] }>('GET', `/reports?site=${site}&${query}`)).body.items;

    before(async () => {
      env = await mode.open();
      dir = await mkdtemp(join(tmpdir(), 'pm-reports-'));
      registry = new ModelRegistry({ db: env.db.db, bus: env.bus, store: new FileArtifactStore(join(dir, 'models')), logger });
      scorer = new TriageScorer(registry, logger);
      const intake = new ReportIntake({ db: env.db.db, scorer, bus: env.bus, clock: systemClock, logger });
      fusion = new Fusion({ rulesReloadMs: 0, tickMs: 60_000, consumers: { durablePrefix: `fusion_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 5_000 } }, { db: env.db, bus: env.bus, logger, registry: createRegistry('reports-test', false) });
      const routers = [asActor, fusion.router, createReportRouter({ db: env.db.db, intake, clock: systemClock })].map((router) => ({ path: '/api/v1', router }));
      http = new HttpServer({ logger, registry: createRegistry('reports-http', false), readiness: [], routers, portSetting: 'HTTP_PORT' });
      api = `http://127.0.0.1:${await http.start(0)}/api/v1`;
      policy = new ConsumerPolicy({ consumer: `reports_${tag}`, deadLetters: databaseDeadLetters(env.db.db), logger });
      reports = await consumeReports(env.bus, policy, intake, { durable: `reports_${tag}`, site });
      await fusion.start();
    });

    after(async () => {
      await reports?.stop();
      await policy?.settled();
      await fusion?.stop();
      await http?.stop();
      await scorer?.close();
      await env?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('refuses bad input with its reason and stores nothing', async () => {
      await insertDevice('pump-0');
      const alertId = await insertAlert('pump-0', 'WARNING');
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/reports', { site, device: 'pump-0', description: '   ' }, /description.*must not be empty/],
        ['POST', '/reports', { site, device: 'pump-0', description: 'a'.repeat(100_000) }, /description/],
        ['POST', '/reports', { site, device: 'pump-0', description: 'a'.repeat(2_001) }, /description/],
        ['POST', '/reports', { site, device: 'pump-0', description: 'leak\u0000here' }, /plain text/],
        ['POST', '/reports', { site, device: 'pump-0', description: 42 }, /description/],
        ['POST', '/reports', { site, description: 'oil leak' }, /device/],
        ['POST', '/reports', { site, device: 'pump-0', description: 'oil leak', author: 'mallory' }, /author/],
        ['POST', `/reports?site=other-site`, { site, device: 'pump-0', description: 'oil leak' }, /another site/],
        ['POST', `/alerts/${alertId}/report`, { description: '' }, /description/],
        ['POST', `/alerts/${alertId}/report`, { description: 'a'.repeat(100_000) }, /description/],
        ['POST', `/alerts/${alertId}/report`, { description: 'oil leak', equipment_name: 'x'.repeat(201) }, /equipment_name/],
        ['POST', '/reports/1/correction', { availability_score: 6, fiability_score: 3, process_safety_score: 2 }, /availability_score/],
        ['POST', '/reports/1/correction', { availability_score: 2.5, fiability_score: 3, process_safety_score: 2 }, /availability_score/],
      ];
      for (const [method, path, body, reason] of cases) {
        const res = await call(method, path, body);
        assert.equal(res.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(res.body)}`);
        assert.match(JSON.stringify(res.body), reason);
      }
      for (const path of ['/reports', `/alerts/${alertId}/report`]) {
        const fields = path === '/reports' ? `"site":"${site}","device":"pump-0",` : '';
        const latin1 = Buffer.concat([Buffer.from(`{${fields}"description":"bo`), Buffer.from([0xee]), Buffer.from('te de vitesse"}')]);
        const res = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-actor': 'otto' }, body: latin1 });
        assert.equal(res.status, 400, path);
        assert.match(await res.text(), /not valid UTF-8/);
      }
      assert.equal((await call('POST', '/reports', { site, device: 'nowhere', description: 'oil leak' })).status, 404, 'an unknown device');
      assert.equal((await call('POST', '/alerts/999999999/report', { description: 'oil leak' })).status, 404, 'an unknown alert');
      assert.equal((await call('POST', '/reports/999999999/correction', { availability_score: 2, fiability_score: 3, process_safety_score: 2 })).status, 404, 'an unknown report');
      assert.deepEqual(await reportsOf('device=pump-0'), []);
    });

    it('stores a report unscored while there is no triage model, and says so', async () => {
      await insertDevice('pump-1');
      const res = await call<{ report: ReportView }>('POST', '/reports', { site, device: 'pump-1', description: 'hydrogen leak at pump flange', equipment_name: 'pump' }, 'vera');
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual([res.body.report.scored, res.body.report.scores, res.body.report.author], [false, null, 'vera']);
      const [listed] = await reportsOf('device=pump-1');
      assert.equal(listed?.id, res.body.report.id);
      assert.match(listed?.unscored_reason ?? '', /no triage model/);
      assert.deepEqual((await alertsOf('pump-1')).length, 0, 'no scores, no alert');
    });

    it('with a triage model: raises the alert a high report names, not one a low report names; a high device report opens a WARNING alert', async () => {
      const { modelBytes } = await trainTriageModel(trainingRecords, { version: `triage-${tag}`, now: new Date() });
      await registry.register({ kind: 'triage', bytes: modelBytes, promote: true });

      await insertDevice('pump-2');
      const high = await insertAlert('pump-2', 'WARNING');
      const sent = await call('POST', `/alerts/${high}/report`, { description: 'hydrogen leak at pump flange', equipment_name: 'pump' });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      const scored = await waitFor('the report on the alert, scored', async () => (await reportsOf(`alert=${high}`)).find((r) => r.scored), 30_000);
      assert.equal(scored!.scores!.process_safety.score, 5, `the model learnt this report: ${JSON.stringify(scored!.scores)}`);
      assert.equal(scored!.author, 'otto');
      await waitFor('the alert raised to CRITICAL', async () => (await alertsOf('pump-2')).find((a) => Number(a.id) === high)?.severity === 'CRITICAL', 30_000);
      const notes = await env.db.db.selectFrom('alert_events').select(['note', 'actor']).where('alert_id', '=', high).execute();
      assert.ok(notes.some((n) => /escalated WARNING → CRITICAL: maintenance report \d+ scored .*process safety 5/.test(n.note ?? '')), JSON.stringify(notes));
      assert.equal((await alertsOf('pump-2')).length, 1, 'the linked alert, no other');

      await insertDevice('pump-3');
      const low = await insertAlert('pump-3', 'INFO');
      assert.equal((await call('POST', `/alerts/${low}/report`, { description: 'paint peeling on guard of pump', equipment_name: 'pump' })).status, 202);
      const lowScored = await waitFor('the low report, scored', async () => (await reportsOf(`alert=${low}`)).find((r) => r.scored), 30_000);
      assert.ok(lowScored!.scores!.availability.score < 4 && lowScored!.scores!.process_safety.score < 4, JSON.stringify(lowScored!.scores));
      // The high report's escalation above went the same way, so a short wait is enough to see nothing happen.
      await new Promise((r) => setTimeout(r, 1_000));
      assert.deepEqual((await alertsOf('pump-3')).map((a) => a.severity), ['INFO'], 'a low score leaves the alert as it was');

      await insertDevice('press-4');
      const device = await call<{ report: ReportView }>('POST', '/reports', { site, device: 'press-4', description: 'press tripped, line stopped', equipment_name: 'press' });
      assert.equal(device.status, 201);
      assert.equal(device.body.report.scores!.availability.score, 5, JSON.stringify(device.body.report.scores));
      const opened = await waitFor('a maintenance-report alert', async () => (await alertsOf('press-4')).find((a) => a.rule === 'maintenance-report'), 30_000);
      assert.deepEqual([opened.severity, opened.status], ['WARNING', 'open']);
    });

    it('turns a correction into a triage training record named after the report', async () => {
      await insertDevice('fan-5');
      const created = await call<{ report: ReportView }>('POST', '/reports', { site, device: 'fan-5', description: 'fan seal weeping oil', equipment_name: 'fan', equipment_id: 'F-5' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.report.id;
      const before = await triageRecordRepository.count(env.db.db);
      const res = await call<{ report: { correction: Record<string, unknown> }; triage_record: string }>('POST', `/reports/${id}/correction`, { availability_score: 2, fiability_score: 4, process_safety_score: 1 }, 'vera');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.triage_record, `report-${id}`);
      assert.equal(res.body.report.correction['by'], 'vera');
      const records = await triageRecordRepository.all(env.db.db);
      assert.equal(records.length, before + 1);
      assert.deepEqual(records.find((r) => r.anomaly_id === `report-${id}`), { anomaly_id: `report-${id}`, description: 'fan seal weeping oil', equipment_name: 'fan', equipment_id: 'F-5', availability_score: 2, fiability_score: 4, process_safety_score: 1 });
      await call('POST', `/reports/${id}/correction`, { availability_score: 3, fiability_score: 4, process_safety_score: 1 });
      assert.equal(await triageRecordRepository.count(env.db.db), before + 1, 'a second correction replaces the first');
    });
  });
}
