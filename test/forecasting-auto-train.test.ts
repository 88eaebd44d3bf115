// Forecasts appear by themselves: a sensor with enough stored history gets a forecaster on the
// automatic-training schedule, without anyone calling POST /api/v1/lstm/train, and the forecast
// cycle then forecasts it. Embedded stack (PGlite + in-process bus), a manual clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { insertReadings, migrate, openDatabase, type DatabaseHandle, type NewReading } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { DEFAULT_RISK_THRESHOLDS, DEFAULT_TRAIN_OPTIONS, Forecasting } from '@premonitor/forecasting';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { ManualClock } from '@premonitor/time';
import { waitFor } from './support/wait.js';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'forecasting-auto-train-test', level: 'silent' });
const DEVICE = 'site-b/press-1';
const STEP = 60_000;
const T0 = Date.UTC(2024, 4, 1);
const MINUTE = 60_000;

/** One message per reading: a repeated (device, seq, time) would be dropped as a redelivery, so each key has its own seq range. */
function readings(n: number, key: string, f: (i: number) => number, seqBase: number): NewReading[] {
  return Array.from({ length: n }, (_, i) => ({ time: new Date(T0 + i * STEP), device_id: DEVICE, key, value: f(i), seq: seqBase + i }));
}

describe('automatic training (PGlite + in-process bus, manual clock)', () => {
  let dir: string;
  let db: DatabaseHandle;
  let bus: InProcessBus;
  let forecasting: Forecasting;
  let http: HttpServer;
  let url: string;
  const clock = new ManualClock(T0 + 400 * STEP);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-forecast-auto-'));
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    bus = new InProcessBus();
    await bus.start();
    // A pressure sensor with 400 minutes of history (enough), a flow sensor with 150 (not enough).
    await insertReadings(db.db, [...readings(400, 'pressure', (i) => 3 + 0.2 * Math.sin((2 * Math.PI * i) / 40) + 0.001 * i, 0), ...readings(150, 'flow', (i) => 10 + (i % 7), 10_000)]);
    forecasting = new Forecasting(
      {
        train: { ...DEFAULT_TRAIN_OPTIONS, epochs: 2, units: 4 },
        maxTrainingPoints: 5_000,
        limits: {},
        thresholds: DEFAULT_RISK_THRESHOLDS,
        retrainAfterMs: 24 * 3_600_000,
        driftFactor: 100,
        driftWindows: 12,
        modelDir: join(dir, 'models'),
        forecastIntervalMs: 15 * MINUTE,
        autoTrain: { intervalMs: 60 * MINUTE, minPoints: 300, lookbackMs: 86_400_000, concurrency: 1 },
      },
      { db, bus, logger, registry: createRegistry('forecasting-auto-train-test'), clock },
    );
    await forecasting.start();
    http = new HttpServer({ logger, registry: createRegistry('http-auto-train-test'), readiness: forecasting.readiness, routers: [{ path: '/api/v1/lstm', router: forecasting.router }], portSetting: 'HTTP_PORT' });
    url = `http://127.0.0.1:${await http.start(0)}/api/v1/lstm`;
  });

  after(async () => {
    await http?.stop();
    await forecasting?.stop();
    await bus?.stop();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const models = async () => ((await (await fetch(`${url}/models`)).json()) as { models: { sensor_key: string; chosen: string }[] }).models;

  it('has no model before the first pass, then trains the sensor with enough history without a POST /train', async () => {
    assert.deepEqual(await models(), []);
    // The first pass comes one minute after start (not a whole interval later).
    clock.advance(MINUTE);
    const trained = await waitFor('the automatically trained model', async () => (await models()).find((m) => m.sensor_key === 'pressure'), 180_000, 100);
    assert.ok(['persistence', 'seasonal-naive', 'linear', 'lstm'].includes(trained.chosen));
    // The sensor with too little history is left alone.
    assert.deepEqual((await models()).map((m) => m.sensor_key), ['pressure']);
    const predicted = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: DEVICE, sensor_key: 'pressure' }) });
    assert.equal(predicted.status, 200);
    assert.equal(((await predicted.json()) as { forecasts: unknown[] }).forecasts.length, 12);
    const status = (await (await fetch(`${url}/status`)).json()) as { auto_train: { min_points: number; last_run_at: string | null } };
    assert.equal(status.auto_train.min_points, 300);
    assert.equal(status.auto_train.last_run_at, new Date(T0 + 401 * STEP).toISOString());
  });

  it('the scheduled forecast cycle then forecasts it and stores the forecast', async () => {
    clock.advance(15 * MINUTE);
    const rows = await waitFor('the stored forecast of the auto-trained sensor', async () => {
      const found = await db.db.selectFrom('forecasts').select(['step']).where('device_id', '=', DEVICE).where('key', '=', 'pressure').execute();
      return found.length > 0 ? found : undefined;
    }, 60_000, 100);
    assert.equal(rows.length, 12);
  });

  it('a later pass trains a sensor whose history grew past the minimum, and does not retrain the one it has', async () => {
    await insertReadings(db.db, readings(400, 'flow', (i) => 10 + (i % 7), 10_000).slice(150));
    const before = (await db.db.selectFrom('training_runs').select('scope').execute()).map((r) => r.scope);
    clock.advance(60 * MINUTE);
    await waitFor('the flow model', async () => (await models()).find((m) => m.sensor_key === 'flow'), 180_000, 100);
    const runs = (await db.db.selectFrom('training_runs').select('scope').execute()).map((r) => r.scope);
    assert.deepEqual(before, [`${DEVICE}:pressure`]);
    assert.deepEqual(runs.sort(), [`${DEVICE}:flow`, `${DEVICE}:pressure`]);
  });

  it('the device\'s telemetry anomaly scores (table scores, kind telemetry) enter the failure risk; other kinds and old scores do not', async () => {
    const predict = async () =>
      ((await (await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: DEVICE, sensor_key: 'pressure' }) })).json()) as {
        last_observation: { timestamp: string };
        failure_risk: { risk_level: string; risk_score: number; anomaly_score: number | null; recommended_action: string };
      });
    const before = await predict();
    assert.equal(before.failure_risk.anomaly_score, null);
    assert.notEqual(before.failure_risk.risk_level, 'high');
    const last = Date.parse(before.last_observation.timestamp);
    const score = (minutesBefore: number, kind: string, value: number, seq: number) => ({ time: new Date(last - minutesBefore * MINUTE), device_id: DEVICE, kind, score: value, model_version: 'pca-1', latency_ms: 1, seq });
    // An acoustic score and a telemetry score older than the 30-minute lookback do not count.
    await db.db.insertInto('scores').values([score(5, 'acoustic', 0.99, 1), score(90, 'telemetry', 0.99, 2)]).execute();
    assert.equal((await predict()).failure_risk.anomaly_score, null);
    await db.db.insertInto('scores').values([score(10, 'telemetry', 0.6, 3), score(5, 'telemetry', 0.7, 4)]).execute();
    const after = await predict();
    assert.equal(after.failure_risk.anomaly_score, 0.65);
    assert.equal(after.failure_risk.risk_level, 'high');
    assert.ok(after.failure_risk.risk_score > before.failure_risk.risk_score);
    assert.match(after.failure_risk.recommended_action, /telemetry anomaly score is 0\.65/);
  });
});
