// Least-privilege database roles per service (SERVICE_ROLES, granted by each schema part's
// `…_service_roles` migration): after migrating, each role reaches what its service uses and is
// refused the rest — ingest cannot touch alerts, fusion cannot delete readings, and so on. That
// the grants are enough is shown by the *-replicas tests, which run the services as these roles
// with DATABASE_MIGRATE=off. Here also: with DATABASE_MIGRATE=off a service refuses to start on
// a schema that was not migrated, naming what is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { SERVICE_ROLES, ensureServiceLogins, migrate, openDatabase, serviceLoginName, type DatabaseHandle, type ServiceWithRole } from '@premonitor/db';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { NodeProcess } from './support/node-process.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';

const pg = await needService('postgres');

class Rollback extends Error {}

/** Runs `query` as `service`'s role in a transaction that is rolled back; the error code, or 'ok'. */
async function as(h: DatabaseHandle, service: ServiceWithRole, query: string): Promise<string> {
  let outcome = 'ok';
  await h.db
    .transaction()
    .execute(async (tx) => {
      await sql.raw(`set local role ${SERVICE_ROLES[service]}`).execute(tx);
      try {
        await sql.raw(query).execute(tx);
      } catch (err) {
        outcome = (err as { code?: string }).code ?? String(err);
      }
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return outcome;
}

const DENIED = '42501';

describe('database roles per service, PostgreSQL', { skip: pg.skip, timeout: 120_000 }, () => {
  let throwaway: { url: string; drop(): Promise<void> } | undefined;
  let h: DatabaseHandle | undefined;
  before(async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_service_roles');
    h = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 1 });
    await migrate(h, { schema: PLATFORM_SCHEMA });
  });
  after(async () => {
    await h?.close();
    await throwaway?.drop();
  });

  const alert = "insert into alerts (device_id, site, rule, severity, title, first_seen, last_seen) values ('a/b', 'a', 'r', 'INFO', 't', now(), now())";
  const cases: [ServiceWithRole, string, string][] = [
    ['ingest', "insert into telemetry (time, device_id, seq, keys, vals) values (now(), 'a/b', 1, '{t}', '{1}')", 'ok'],
    ['ingest', "select * from readings where device_id = 'a/b' limit 1", 'ok'],
    ['ingest', 'delete from telemetry', DENIED],
    ['ingest', "insert into devices (id, site, device, first_seen, last_seen, online, status_changed_at) values ('a/b', 'a', 'b', now(), now(), true, now())", 'ok'],
    ['ingest', 'select * from scores limit 1', 'ok'],
    ['ingest', "update alerts set status = 'resolved'", DENIED],
    ['ingest', 'delete from alerts', DENIED],
    ['ingest', alert, DENIED],
    ['ingest', 'select * from notification_outbox limit 1', DENIED],
    ['fusion', alert, 'ok'],
    ['fusion', "update alerts set status = 'resolved'", 'ok'],
    ['fusion', 'delete from telemetry', DENIED],
    ['fusion', 'select * from readings limit 1', DENIED],
    ['fusion', 'delete from alerts', DENIED],
    ['fusion', 'update notification_outbox set attempts = 0', DENIED],
    ['notifier', 'select * from alerts limit 1', 'ok'],
    ['notifier', 'update notification_outbox set attempts = 0', 'ok'],
    ['notifier', "update alerts set status = 'resolved'", DENIED],
    ['notifier', 'delete from deliveries', DENIED],
    ['notifier', 'delete from telemetry', DENIED],
    ['inference', 'select * from models limit 1', 'ok'],
    ['inference', 'update models set check_status = check_status', 'ok'],
    ['inference', "update models set stage = 'production'", DENIED],
    ['inference', 'delete from scores', DENIED],
    ['inference', 'select * from alerts limit 1', DENIED],
    ['inference', 'update devices set online = false', DENIED],
    ['forecasting', "select * from readings where device_id = 'a/b' limit 1", 'ok'],
    ['forecasting', "select time, vals[array_position(keys, 't')] from telemetry where device_id = 'a/b' and 't' = any(keys) limit 1", 'ok'],
    ['forecasting', 'select * from scores limit 1', 'ok'],
    ['forecasting', "insert into forecasts (time, device_id, key, step, target_time, predicted, model_version) values (now(), 'a/b', 't', 1, now(), 1, 'v')", 'ok'],
    ['forecasting', "insert into training_runs (kind, scope) values ('lstm', 'a/b')", 'ok'],
    ['forecasting', "insert into models (kind, version, stage, sha256, size) values ('lstm', 'v1', 'candidate', repeat('a', 64), 1)", 'ok'],
    ['forecasting', 'delete from telemetry', DENIED],
    ['forecasting', 'delete from forecasts', DENIED],
    ['forecasting', 'delete from models', DENIED],
    ['forecasting', 'select * from alerts limit 1', DENIED],
    ['forecasting', 'select * from samples limit 1', DENIED],
    // As the score store writes them: a redelivered score is skipped by the conflict target (which needs SELECT on scores).
    ['telemetry-scoring', "insert into scores (time, device_id, kind, score, model_version, seq) values (now(), 'a/b', 'telemetry', 0.5, 'v', 1) on conflict (device_id, kind, time, seq) do nothing", 'ok'],
    ['telemetry-scoring', "delete from telemetry_models where device_id = 'a/b'", 'ok'],
    ['telemetry-scoring', "insert into telemetry_models (device_id, model_version, step_ms, keys, sensors, model, enrolled_rows, ready_at) values ('a/b', 'v', 1000, '[]', '[]', '{}', 400, now()) on conflict (device_id) do update set model_version = excluded.model_version", 'ok'],
    ['telemetry-scoring', 'delete from scores', DENIED],
    ['telemetry-scoring', 'select * from readings limit 1', DENIED],
    ['telemetry-scoring', 'select * from models limit 1', DENIED],
    ['telemetry-scoring', 'update devices set online = false', DENIED],
    ['model-sync', 'select site, device from devices where online', 'ok'],
    ['model-sync', "update models set stage = 'archived' where false", 'ok'],
    ['model-sync', 'select * from model_backups limit 1', 'ok'],
    ['model-sync', 'update devices set online = false', DENIED],
    ['model-sync', 'delete from models', DENIED],
    ['model-sync', 'delete from model_history', DENIED],
    ['model-sync', 'select * from readings limit 1', DENIED],
    ['model-sync', 'select * from scores limit 1', DENIED],
    ['retraining', "insert into samples (kind, label, sha256, size) values ('acoustic', 'normal', repeat('a', 64), 1)", 'ok'],
    ['retraining', 'select * from recent_frames limit 1', 'ok'],
    ['retraining', 'delete from triage_records', 'ok'],
    ['retraining', "insert into retraining_runs (kind, reason, lease_owner, lease_expires_at) values ('acoustic', 'r', 'me', now())", 'ok'],
    ['retraining', "insert into model_rollouts (kind, version, started_at, ends_at) values ('acoustic', 'v', now(), now())", 'ok'],
    ['retraining', "update models set stage = 'archived' where false", 'ok'],
    ['retraining', "insert into maintenance_reports (site, device_id, text, author) values ('a', 'a/b', 't', 'ann')", 'ok'],
    ['retraining', 'delete from maintenance_reports', DENIED],
    // The model watch (not reached by service-roles-run: it needs live score events): references, a rollback's history and audit.
    ['retraining', "insert into model_score_references (kind, version, source, edges, shares, over_rate, count) values ('acoustic', 'v', 'live', '[]', '[]', 0, 1) on conflict (kind, version) do update set count = excluded.count", 'ok'],
    ['retraining', "insert into model_input_references (kind, version, feature, edges, shares, count) values ('acoustic', 'v', 'level', '[]', '[]', 1)", 'ok'],
    ['retraining', "insert into model_history (kind, version, action, reason) values ('acoustic', 'v', 'rollback', 'drift')", 'ok'],
    ['retraining', "insert into audit_events (actor, action, target, status) values ('retraining', 'rollback', 'acoustic', 200)", 'ok'],
    ['retraining', 'select * from models where false for update', 'ok'],
    // The drift windows: appended, pruned, judged (the verdict upsert), cleared by a promotion.
    ['retraining', "insert into model_drift_samples (kind, version, device_id, score, at) values ('acoustic', 'v', 's/d', 0.1, now())", 'ok'],
    ['retraining', "delete from model_drift_samples where kind = 'acoustic' and id < (select id from model_drift_samples order by id desc offset 1 limit 1)", 'ok'],
    ['retraining', "insert into model_drift_devices (kind, device_id, site, device, version, window_size) values ('acoustic', 's/d', 's', 'd', 'v', 1) on conflict (kind, device_id) do update set drifting = true returning drifting", 'ok'],
    ['retraining', "delete from model_drift_devices where kind = 'acoustic' returning *", 'ok'],
    // The rollout watch's counts (one statement per batch, the watch's row locked), its rollback claim, the counted frames' keys, and the frames of a live reference.
    ['retraining', "update model_rollouts set frames = frames + 1, rollback_claimed_at = now() where false returning frames", 'ok'],
    ['retraining', 'select id from model_rollouts where false for update', 'ok'],
    ['retraining', "with r as (insert into model_rollouts (kind, version, started_at, ends_at) values ('acoustic', 'v', now(), now()) returning id) insert into model_rollout_frames (rollout_id, device_id, seq, ts) select id, 's/d', 1, 2 from r on conflict do nothing returning device_id", 'ok'],
    ['retraining', "delete from model_rollout_frames f using model_rollouts r where f.rollout_id = r.id and r.status <> 'watching'", 'ok'],
    ['retraining', 'update model_rollout_frames set seq = 0', DENIED],
    ['retraining', "with r as (insert into model_rollouts (kind, version, started_at, ends_at) values ('acoustic', 'v', now(), now()) returning id) insert into model_rollout_devices (rollout_id, device_id, site, device, frames, over) select id, 's/d', 's', 'd', 1, 0 from r on conflict (rollout_id, device_id) do update set frames = model_rollout_devices.frames + 1", 'ok'],
    ['retraining', "with r as (insert into model_rollouts (kind, version, started_at, ends_at) values ('acoustic', 'v', now(), now()) returning id) insert into model_rollout_bins (rollout_id, bin, count) select id, 0, 1 from r on conflict (rollout_id, bin) do update set count = model_rollout_bins.count + 1", 'ok'],
    ['retraining', "insert into model_reference_samples (kind, version, score) values ('acoustic', 'v', 0.1)", 'ok'],
    ['retraining', "delete from model_reference_samples where kind = 'acoustic' and version <> 'v'", 'ok'],
    ['retraining', 'delete from model_rollout_devices', DENIED],
    ['retraining', 'delete from model_rollout_bins', DENIED],
    ['retraining', 'delete from model_rollouts', DENIED],
    ['retraining', 'delete from samples', DENIED],
    ['retraining', 'delete from recent_frames', DENIED],
    ['retraining', 'select * from readings limit 1', DENIED],
    ['retraining', 'select * from alerts limit 1', DENIED],
    ['retraining', 'update devices set online = false', DENIED],
    ['console', "insert into users (name, role) values ('ann', 'viewer')", 'ok'],
    ['console', 'update api_tokens set revoked_at = now() where false', 'ok'],
    ['console', 'select * from audit_events limit 1', 'ok'],
    ['console', 'delete from audit_events', DENIED],
    ['console', 'delete from users', DENIED],
    ['console', 'select * from readings limit 1', DENIED],
    ['console', 'select * from devices limit 1', DENIED],
    ['console', 'select * from models limit 1', DENIED],
    ['ingest', "insert into users (name, role) values ('ann', 'viewer')", DENIED],
    ['retraining', 'update api_tokens set revoked_at = now()', DENIED],
  ];
  for (const [service, query, expected] of cases) {
    it(`${service}: ${query.slice(0, 60)} → ${expected === 'ok' ? 'allowed' : 'refused'}`, async () => {
      assert.equal(await as(h!, service, query), expected);
    });
  }

  it('the migrate Job’s logins: created, given a new password on the next run, with their role’s grants only', async () => {
    const login = serviceLoginName('ingest');
    try {
      assert.deepEqual(await ensureServiceLogins(h!.db, { ingest: 'first-password' }), [login]);
      // Again, with a quote in the password: altered, not created twice.
      assert.deepEqual(await ensureServiceLogins(h!.db, { ingest: "second'password", fusion: undefined }), [login]);
      const url = new URL(throwaway!.url);
      url.username = login;
      url.password = "second'password";
      const asLogin = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1 });
      try {
        await sql`select * from readings limit 1`.execute(asLogin.db);
        await assert.rejects(sql`update alerts set status = 'resolved'`.execute(asLogin.db), (err: { code?: string }) => err.code === DENIED);
      } finally {
        await asLogin.close();
      }
    } finally {
      await sql.raw(`drop role if exists ${login}`).execute(h!.db);
    }
  });

  it('a service with DATABASE_MIGRATE=off refuses a schema that was not migrated, naming what is missing', async () => {
    const empty = await createThrowawayDatabase(pg.url!, 'pm_service_roles_empty');
    const proc = NodeProcess.start('services/ingest/dist/main.js', { DATABASE_URL: empty.url, DATABASE_MIGRATE: 'off', MQTT_URL: 'mqtt://127.0.0.1:1', HTTP_PORT: '0', LOG_LEVEL: 'info' });
    try {
      const exit = await proc.exited;
      assert.notEqual(exit.code, 0);
      assert.match(proc.output, /run the migrations first/);
    } finally {
      await proc.kill('SIGKILL');
      await empty.drop();
    }
  });
});
