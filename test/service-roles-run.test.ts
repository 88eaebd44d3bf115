// The services given a least-privilege role after the first four (forecasting, telemetry-scoring,
// model-sync, retraining, console), each run as a real process logged in as its role with
// DATABASE_MIGRATE=off, as deployed: each starts (schema check, credentials, its start-up
// queries: model-sync seeds the shipped models, telemetry scoring loads its models), and its API
// paths that read and write the database answer — users and tokens (console), a forecast model
// trained, registered, promoted and its forecast cycle stored (forecasting), registry backups (model-sync), sample
// uploads, a triage model trained and promoted, maintenance reports scored and corrected, run
// refusals (retraining), a device enrolled from the bus, scored and reset (telemetry scoring) — with no
// "permission denied" in any log. test/service-roles.test.ts shows what each role is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { SERVICE_ROLES, insertReadings, migrate, openDatabase, type DatabaseHandle, type NewReading, type ServiceWithRole } from '@premonitor/db';
import { publishEvent } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { createLogger } from '@premonitor/log';
import { writeWav } from '@premonitor/ml/data';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { authEnv, bearer } from './support/auth.js';
import { NodeProcess } from './support/node-process.js';
import { needService } from './support/real-services.js';
import { createServiceLogin } from './support/service-login.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';

const [pg, nats, mosquitto] = await Promise.all([needService('postgres'), needService('nats'), needService('mosquitto')]);
const run = randomBytes(3).toString('hex');
const SITE = `sr-${run}`;
const DEVICE = `${SITE}/pump-1`;
const STEP_MS = 60_000;

describe('the remaining services run as their least-privilege roles', { skip: pg.skip || nats.skip || mosquitto.skip, timeout: 600_000 }, () => {
  let throwaway: { url: string; drop(): Promise<void> };
  let db: DatabaseHandle;
  let dir: string;
  const logins: { drop(): Promise<void> }[] = [];
  const started: NodeProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-service-roles-run-'));
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_service_roles_run');
    db = await openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 2 });
    // The migrate Job's part: the owner migrates; the services only check.
    await migrate(db, { schema: PLATFORM_SCHEMA });
    const now = Date.now();
    await sql`insert into devices (id, site, device, first_seen, last_seen, online, status_changed_at) values (${DEVICE}, ${SITE}, 'pump-1', now(), now(), true, now())`.execute(db.db);
    // A day of a slowly warming sensor: enough for forecasting to train on.
    const readings: NewReading[] = Array.from({ length: 1_440 }, (_, i) => ({ time: new Date(now - (1_440 - i) * STEP_MS), device_id: DEVICE, key: 'temperature', value: 30 + i / 200 + Math.sin(i / 30), seq: i }));
    await insertReadings(db.db, readings);
  });
  after(async () => {
    for (const p of started) await p.kill('SIGKILL');
    for (const login of logins) await login.drop();
    await db?.close();
    await throwaway?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts `service` logged in as its role; resolves with its base URL once it is ready. */
  async function start(service: ServiceWithRole, env: Record<string, string> = {}): Promise<{ url: string; proc: NodeProcess }> {
    const login = await createServiceLogin(throwaway.url, SERVICE_ROLES[service]);
    logins.push(login);
    const proc = NodeProcess.start(`services/${service}/dist/main.js`, {
      NATS_URL: nats.url!,
      DATABASE_URL: login.url,
      DATABASE_MIGRATE: 'off',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    });
    started.push(proc);
    const ready = await proc.waitFor(/"port":(\d+)[^\n]*ready"/, 180_000);
    return { url: `http://127.0.0.1:${ready[1]}`, proc };
  }

  const call = async (url: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(url + path, { ...init, headers: { ...bearer(), ...(init.body && !(init.body instanceof FormData) ? { 'content-type': 'application/json' } : {}), ...init.headers } });
    return { status: res.status, body: (await res.text()) };
  };
  const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
  const noRefusal = (proc: NodeProcess) => assert.doesNotMatch(proc.output, /permission denied/i, proc.output);

  it('console: registers the bootstrap admin, creates a user and a token, logs in, lists the audit', async () => {
    // The bootstrap admin token goes to the console only: it alone may create users.
    const { url, proc } = await start('console', authEnv());
    const user = await call(url, '/api/v1/auth/users', json({ name: `ann-${run}`, role: 'operator', password: 'a long passphrase for ann' }));
    assert.equal(user.status, 201, user.body);
    const token = await call(url, '/api/v1/auth/tokens', json({ name: 'scada', user: `ann-${run}`, role: 'viewer', expiresInDays: 1 }));
    assert.equal(token.status, 201, token.body);
    const id = (JSON.parse(token.body) as { id: number }).id;
    assert.equal((await call(url, `/api/v1/auth/tokens/${id}/revoke`, { method: 'POST' })).status, 204);
    const login = await call(url, '/api/v1/auth/login', { ...json({ name: `ann-${run}`, password: 'a long passphrase for ann' }), headers: { authorization: '' } });
    assert.equal(login.status, 200, login.body);
    for (const path of ['/api/v1/auth/users', '/api/v1/auth/tokens', '/api/v1/audit']) assert.equal((await call(url, path)).status, 200, path);
    noRefusal(proc);
  });

  it('forecasting: trains, registers and promotes a model, predicts and stores the forecast', async () => {
    const { url, proc } = await start('forecasting', {
      FORECAST_MODEL_DIR: join(dir, 'forecast'),
      FORECAST_EPOCHS: '2',
      FORECAST_UNITS: '8',
      FORECAST_AUTO_TRAIN_MINUTES: '0',
      // The shortest cycle: its first run (a minute after start) stores forecasts, reading scores for the risk.
      FORECAST_INTERVAL_MINUTES: '1',
    });
    const trained = await call(url, '/api/v1/lstm/train', json({ device_id: DEVICE, sensor_key: 'temperature' }));
    assert.equal(trained.status, 201, trained.body);
    const predicted = await call(url, '/api/v1/lstm/predict', json({ device_id: DEVICE, sensor_key: 'temperature' }));
    assert.equal(predicted.status, 200, predicted.body);
    for (const path of ['/api/v1/lstm/models', '/api/v1/lstm/status']) assert.equal((await call(url, path)).status, 200, path);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from training_runs where scope = ${`${DEVICE}:temperature`} or scope like ${`${DEVICE}%`}`.execute(db.db);
    assert.ok(rows[0]!.n >= 1, 'the training run was recorded');
    await waitFor('a forecast cycle to store rows', async () => (await sql<{ n: number }>`select count(*)::int as n from forecasts where device_id = ${DEVICE}`.execute(db.db)).rows[0]!.n > 0 || undefined, 180_000, 500);
    noRefusal(proc);
  });

  it('model-sync: seeds the shipped models, lists the registry and its history, makes a backup', async () => {
    const { url, proc } = await start('model-sync', {
      MQTT_URL: mosquitto.url!,
      MQTT_CLIENT_ID: `pm-sr-model-sync-${run}`,
      MODEL_STORE_DIR: join(dir, 'models'),
      SEED_MODELS_DIR: 'models',
      MODEL_SIGNING_KEY_FILE: join(dir, 'signing-key.pem'),
      MODEL_SIGNING_KEY_CREATE: 'true',
    });
    for (const path of ['/api/v1/models', '/api/v1/models/history', '/api/v1/models/backups']) assert.equal((await call(url, path)).status, 200, path);
    // The shipped acoustic model only: forecasting's model lies in its own folder (another pod's volume).
    const backup = await call(url, '/api/v1/models/backups', json({ reason: 'service roles test', kinds: ['acoustic'] }));
    assert.equal(backup.status, 201, `${backup.body}\n${proc.output}`);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from model_backups`.execute(db.db);
    assert.equal(rows[0]!.n, 1);
    noRefusal(proc);
  });

  it('retraining: stores uploaded samples, trains and promotes a triage model, scores and corrects a maintenance report, refuses a run for too few', async () => {
    const { url, proc } = await start('retraining', {
      SAMPLE_STORE_DIR: join(dir, 'samples'),
      MODEL_STORE_DIR: join(dir, 'models'),
      MODEL_WATCH_DURABLE_PREFIX: `sr_${run}`,
    });
    const form = new FormData();
    for (const [key, value] of [['kind', 'acoustic'], ['label', 'normal'], ['site', SITE], ['device', 'pump-1']]) form.append(key!, value!);
    const wav = writeWav(Float32Array.from({ length: 16_000 }, (_, i) => 0.1 * Math.sin(i / 7)), 16_000);
    form.append('file', new Blob([wav]), 'normal-1.wav');
    const upload = await call(url, '/api/v1/samples', { method: 'POST', body: form });
    assert.ok(upload.status === 201 || upload.status === 200, upload.body);
    assert.equal((await call(url, '/api/v1/samples?kind=acoustic')).status, 200);
    const refused = await call(url, '/api/v1/retraining/runs', json({ kind: 'acoustic', reason: 'service roles test' }));
    assert.ok(refused.status >= 400 && refused.status < 500, refused.body);
    // Triage training: a registry backup first, the run's lease, the records, the model registered and promoted.
    const templates: [string, number, number, number][] = [['paint peeling on guard of %', 1, 1, 1], ['% vibration slightly above normal', 2, 3, 1], ['% seal weeping oil', 3, 3, 2], ['% tripped, line stopped', 5, 4, 2], ['hydrogen leak at % flange', 4, 3, 5]];
    const records = ['feed pump', 'compressor', 'cooling fan', 'mixer', 'conveyor', 'boiler'].flatMap((eq, r) => templates.map(([text, a, f, p], i) => ({ anomaly_id: `t-${r}-${i}`, description: text.replace('%', eq), equipment_name: eq, availability_score: a, fiability_score: f, process_safety_score: p })));
    const training = await call(url, '/api/v1/triage/train', json({ records }));
    assert.equal(training.status, 202, training.body);
    await waitFor('the triage training to finish', async () => {
      const status = JSON.parse((await call(url, '/api/v1/triage/train/status')).body) as { is_training: boolean; sessions_completed: number };
      return (!status.is_training && status.sessions_completed === 1) || undefined;
    }, 300_000, 500);
    const { rows: triage } = await sql<{ n: number }>`select count(*)::int as n from models where kind = 'triage' and stage = 'production'`.execute(db.db);
    assert.equal(triage[0]!.n, 1, `the triage model is in production\n${proc.output}`);
    // A maintenance report, scored by that model on arrival, corrected into a training record.
    const report = await call(url, '/api/v1/reports', json({ site: SITE, device: 'pump-1', description: 'bearing noise at the drive end, grease dry' }));
    assert.equal(report.status, 201, report.body);
    assert.equal((JSON.parse(report.body) as { report: { scored: boolean } }).report.scored, true, report.body);
    const reportId = (JSON.parse(report.body) as { report: { id: string } }).report.id;
    const corrected = await call(url, `/api/v1/reports/${reportId}/correction`, json({ availability_score: 3, fiability_score: 4, process_safety_score: 2 }));
    assert.equal(corrected.status, 200, corrected.body);
    for (const path of ['/api/v1/reports', '/api/v1/retraining/history', '/api/v1/triage/train/status', '/api/v1/triage/train/backups']) assert.equal((await call(url, path)).status, 200, path);
    noRefusal(proc);
  });

  it('telemetry-scoring: enrolls a device from the bus, stores its model and scores, resets it', async () => {
    const { url, proc } = await start('telemetry-scoring', { TELEMETRY_SITE: SITE, TELEMETRY_DELIVER_POLICY: 'new', TELEMETRY_DISCOVERY_MESSAGES: '5', TELEMETRY_ENROLL_ROWS: '100' });
    const bus = new NatsJetStreamBus({ servers: nats.url!, name: `service-roles-run-${run}`, logger: createLogger({ service: 'service-roles-run', level: 'silent' }) });
    await bus.start();
    try {
      // A pump whose flow, current and pressure follow one load: 100 rows enroll, the rest score.
      const ref = { site: SITE, device: 'pump-2' };
      const t0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
      for (let i = 0; i < 150; i++) {
        const load = Math.sin(i * 1.1) + 0.5 * Math.sin(i * 2.3);
        const noise = (k: number) => 0.1 * ((Math.sin(i * 12.9898 + k * 78.233) * 43758.5453) % 1);
        const readings = { flow: 30 + 2 * load + noise(1), current: 1.5 + 0.2 * load + 0.02 * noise(2), pressure: 2 + 0.1 * load + 0.01 * noise(3) };
        await publishEvent(bus, 'telemetry', [ref], { ...ref, ts: t0 + i * 1000, seq: i, readings, receivedAt: t0 + i * 1000 }, { msgId: `sr-${run}.${i}` });
      }
      const scored = async () => (await sql<{ n: number }>`select count(*)::int as n from scores where device_id = ${`${SITE}/pump-2`} and kind = 'telemetry'`.execute(db.db)).rows[0]!.n;
      await waitFor('pump-2 scored', async () => (await scored()) > 0 || undefined, 120_000, 250);
      const models = async () => (await sql<{ n: number }>`select count(*)::int as n from telemetry_models where device_id = ${`${SITE}/pump-2`}`.execute(db.db)).rows[0]!.n;
      assert.equal(await models(), 1);
      assert.equal((await call(url, '/api/v1/telemetry/devices')).status, 200);
      const reset = await call(url, `/api/v1/telemetry/devices/${SITE}/pump-2/reset`, { method: 'POST' });
      assert.ok(reset.status < 300, reset.body);
      await waitFor('pump-2 model deleted', async () => (await models()) === 0 || undefined, 30_000, 250);
    } finally {
      await bus.stop();
    }
    noRefusal(proc);
  });
});
