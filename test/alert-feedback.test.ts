// Feedback from the field (issue 14): POST /api/v1/alerts/:id/feedback stores an engineer's
// verdict as the alert's current one (history in alert_events), publishes it on
// pm.feedback.{site}.{device}, answers 404 for an unknown alert and 400 naming the field for a
// bad body; a viewer is refused, an operator may give it. Both adapter pairs for the API and
// the bus; the role check on the embedded platform behind the host's access control.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { AuthStore } from '@premonitor/auth';
import { alertFeedbackEvent, type AlertFeedbackEvent } from '@premonitor/contracts';
import type { Subscription } from '@premonitor/bus';
import { loadConfig } from '@premonitor/config';
import type { Database } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';
import { pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'alert-feedback-test', level: 'silent' });

/** An open alert of `site/device`, raised an hour ago and again a minute ago. */
async function insertAlert(db: Kysely<Database>, site: string, device: string): Promise<number> {
  const now = Date.now();
  const row = await db
    .insertInto('alerts')
    .values({ device_id: `${site}/${device}`, site, rule: 'acoustic-anomaly', severity: 'WARNING', title: 'acoustic anomaly', first_seen: new Date(now - 3_600_000), last_seen: new Date(now - 60_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

for (const mode of await busAndDatabaseModes('alert-feedback', logger)) {
  describe(`alert feedback, ${mode.name}`, { skip: mode.skip }, () => {
    const site = `fb-${randomBytes(4).toString('hex')}`;
    const tag = site.replace(/-/g, '_');
    const clock = new ManualClock(Date.now());
    const seen: { subject: string; event: AlertFeedbackEvent }[] = [];
    let env: BusAndDatabase;
    let fusion: Fusion;
    let http: HttpServer;
    let tap: Subscription;
    let api = '';

    const post = async (path: string, body: unknown, actor = 'otto') => {
      const res = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-actor': actor }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // Stands in for the host's access control, which names the actor from the credential.
    const asActor = Router().use((req, res, next) => {
      res.locals['actor'] = req.get('x-test-actor');
      next();
    });

    before(async () => {
      env = await mode.open();
      fusion = new Fusion({ rulesReloadMs: 0, tickMs: 60_000, consumers: { durablePrefix: `fusion_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 5_000 } }, { db: env.db, bus: env.bus, logger, registry: createRegistry('feedback-test', false), clock });
      http = new HttpServer({ logger, registry: createRegistry('feedback-http', false), readiness: fusion.readiness, routers: [{ path: '/api/v1', router: asActor }, { path: '/api/v1', router: fusion.router }], portSetting: 'HTTP_PORT' });
      api = `http://127.0.0.1:${await http.start(0)}/api/v1`;
      tap = await env.bus.consume({ stream: 'PM_EVENTS', durable: `tap_${tag}`, filterSubject: `pm.feedback.${site}.*`, deliverPolicy: 'new', ackWaitMs: 5_000 }, (m) => {
        seen.push({ subject: m.subject, event: alertFeedbackEvent.parse(JSON.parse(Buffer.from(m.data).toString())) });
        m.ack();
      });
      await fusion.start();
    });

    after(async () => {
      await tap?.stop();
      await fusion?.stop();
      await http?.stop();
      await env?.stop();
    });

    it('stores a verdict as the current one, keeps every verdict in alert_events and publishes each on pm.feedback.{site}.{device}', async () => {
      const id = await insertAlert(env.db.db, site, 'pump-1');
      const first = await post(`/alerts/${id}/feedback`, { verdict: 'false_alarm', note: 'door slammed' }, 'otto');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await post(`/alerts/${id}/feedback`, { verdict: 'true_fault' }, 'vera');
      assert.equal(second.status, 200);

      const current = await env.db.db.selectFrom('alert_feedback').selectAll().where('alert_id', '=', id).execute();
      assert.deepEqual(current.map((r) => [r.verdict, r.actor, r.note]), [['true_fault', 'vera', null]], 'one current verdict: the later one');
      const history = await env.db.db.selectFrom('alert_events').select(['from_status', 'to_status', 'actor', 'note']).where('alert_id', '=', id).orderBy('id').execute();
      assert.deepEqual(history, [
        { from_status: 'open', to_status: 'open', actor: 'otto', note: 'feedback: false_alarm — door slammed' },
        { from_status: 'open', to_status: 'open', actor: 'vera', note: 'feedback: true_fault' },
      ]);
      const alert = await env.db.db.selectFrom('alerts').select(['status', 'first_seen', 'last_seen']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(alert.status, 'open', 'feedback does not move the alert');

      const events = await waitFor('both verdicts on the bus', () => (seen.length >= 2 ? seen : undefined));
      assert.deepEqual(events.map((e) => e.subject), [`pm.feedback.${site}.pump-1`, `pm.feedback.${site}.pump-1`]);
      assert.deepEqual(events.map((e) => [e.event.alertId, e.event.verdict, e.event.actor, e.event.rule]), [
        [String(id), 'false_alarm', 'otto', 'acoustic-anomaly'],
        [String(id), 'true_fault', 'vera', 'acoustic-anomaly'],
      ]);
      assert.deepEqual([events[1]!.event.from, events[1]!.event.to], [new Date(alert.first_seen).getTime(), new Date(alert.last_seen).getTime()], 'the window of frames behind the alert');
      assert.equal(events[1]!.event.ts, clock.now());
    });

    it('answers 404 for an unknown alert and 400 naming the field for a bad body, storing nothing', async () => {
      const id = await insertAlert(env.db.db, site, 'pump-2');
      const unknown = await post('/alerts/999999999/feedback', { verdict: 'true_fault' });
      assert.equal(unknown.status, 404);
      for (const [body, field] of [
        [{}, 'verdict'],
        [{ verdict: 'maybe' }, 'verdict'],
        [{ verdict: 'true_fault', note: '' }, 'note'],
        [{ verdict: 'true_fault', actor: 'mallory' }, 'actor'],
      ] as const) {
        const bad = await post(`/alerts/${id}/feedback`, body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.match(JSON.stringify(bad.body), new RegExp(field), `names ${field}: ${JSON.stringify(bad.body)}`);
      }
      assert.equal((await post('/alerts/abc/feedback', { verdict: 'true_fault' })).status, 400);
      const stored = await env.db.db.selectFrom('alert_feedback').select('alert_id').where('alert_id', '=', id).execute();
      assert.deepEqual(stored, []);
    });
  });
}

describe('alert feedback behind the host access control: a viewer is refused, an operator gives it', { timeout: 180_000 }, () => {
  let dir = '';
  let platform: EmbeddedPlatform | undefined;
  let httpUrl = '';
  const tokens: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-feedback-roles-'));
    const config = loadConfig(platformConfigShape, { ...pgliteTemplateEnv(), PM_DATA_DIR: dir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', LOG_LEVEL: 'silent', FORECAST_INTERVAL_MINUTES: '0' });
    platform = new EmbeddedPlatform(config, logger);
    ({ httpUrl } = await platform.start());
    const store = new AuthStore(platform.database().db);
    for (const [name, role] of [
      ['vic', 'viewer'],
      ['otto', 'operator'],
    ] as const) {
      await store.createUser({ name, role });
      tokens[name] = (await store.issue({ user: name, name: 'feedback-test', kind: 'api' })).token;
    }
  });

  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('403 for a viewer, 200 for an operator, whose name is the actor', async () => {
    const id = await insertAlert(platform!.database().db, 'demo', 'fan-9');
    const send = (who: string) =>
      fetch(`${httpUrl}/api/v1/alerts/${id}/feedback`, { method: 'POST', headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' }, body: JSON.stringify({ verdict: 'true_fault', note: 'bearing worn' }) });
    assert.equal((await send('vic')).status, 403);
    const ok = await send('otto');
    assert.equal(ok.status, 200);
    const { feedback } = (await ok.json()) as { feedback: AlertFeedbackEvent };
    assert.deepEqual([feedback.verdict, feedback.actor, feedback.device], ['true_fault', 'otto', 'fan-9']);
  });
});
