// Forecasting end to end on the embedded stack: PGlite in a temp folder + the in-process bus,
// readings inserted directly, the /api/v1/lstm API over HTTP, a restart that predicts from the
// stored model, and the high-risk event on the bus.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus, decodeEvent, type BusMessage } from '@premonitor/bus';
import { insertReadings, migrate, openDatabase, type DatabaseHandle, type NewReading } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { DEFAULT_RISK_THRESHOLDS, DEFAULT_TRAIN_OPTIONS, Forecasting, type ForecastingSettings } from '@premonitor/forecasting';
import type { ForecastEvent, ModelPromotedEvent } from '@premonitor/contracts';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'forecasting-test', level: 'silent' });
const DEVICE = 'site-a/pump-1';
const STEP = 60_000;
const T0 = Date.UTC(2024, 4, 1);

function series(n: number, f: (i: number) => number, key: string, skip: (i: number) => boolean = () => false): NewReading[] {
  const rows: NewReading[] = [];
  for (let i = 0; i < n; i++) if (!skip(i)) rows.push({ time: new Date(T0 + i * STEP + (i % 3) * 700), device_id: DEVICE, key, value: f(i), seq: i });
  return rows;
}

describe('forecasting service (PGlite + in-process bus)', () => {
  let dir: string;
  let db: DatabaseHandle;
  let bus: InProcessBus;
  let forecasting: Forecasting;
  let http: HttpServer;
  let url: string;
  const events: ForecastEvent[] = [];
  const promotions: ModelPromotedEvent[] = [];

  const settings = (modelDir: string): ForecastingSettings => ({
    train: { ...DEFAULT_TRAIN_OPTIONS, epochs: 3, units: 8, seed: 3 },
    maxTrainingPoints: 5_000,
    // Temperature ends near 44, above this limit: the forecast risk must be high.
    limits: { [`${DEVICE}:temperature`]: { low: 0, high: 40 } },
    thresholds: DEFAULT_RISK_THRESHOLDS,
    retrainAfterMs: 24 * 3_600_000,
    driftFactor: 100,
    driftWindows: 12,
    modelDir,
    forecastIntervalMs: 0,
    autoTrain: { intervalMs: 0, minPoints: 500, lookbackMs: 86_400_000, concurrency: 1 },
  });

  async function boot(overrides: Partial<ForecastingSettings> = {}): Promise<void> {
    forecasting = new Forecasting({ ...settings(join(dir, 'models')), ...overrides }, { db, bus, logger, registry: createRegistry('forecasting-test') });
    await forecasting.start();
    http = new HttpServer({ logger, registry: createRegistry('http-test'), readiness: forecasting.readiness, routers: [{ path: '/api/v1/lstm', router: forecasting.router }], portSetting: 'HTTP_PORT' });
    url = `http://127.0.0.1:${await http.start(0)}/api/v1/lstm`;
  }

  const body = async (res: Response) => (await res.json()) as { field?: string; message?: string; input_sensor_keys?: string[] };
  const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-forecast-'));
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    bus = new InProcessBus();
    await bus.start();
    await bus.consume({ stream: 'PM_EVENTS', durable: 'forecast-test', filterSubject: 'pm.forecasts.>' }, (m: BusMessage) => {
      const decoded = decodeEvent('forecasts', m);
      if (decoded.ok) events.push(decoded.value);
      m.ack();
    });
    await bus.consume({ stream: 'PM_EVENTS', durable: 'forecast-test-models', filterSubject: 'pm.models.forecast.promoted' }, (m: BusMessage) => {
      const decoded = decodeEvent('modelPromoted', m);
      if (decoded.ok) promotions.push(decoded.value);
      m.ack();
    });
    // A rising, cycling temperature with jittered timestamps and a few missing minutes; a
    // vibration sensor for the multivariate option; a sensor with too little history.
    await insertReadings(db.db, [
      ...series(260, (i) => 20 + 0.09 * i + 2 * Math.sin((2 * Math.PI * i) / 30), 'temperature', (i) => i % 50 === 7),
      ...series(260, (i) => 1 + 0.2 * Math.cos(i / 5), 'vibration'),
      ...series(40, (i) => i, 'short'),
    ]);
    await boot();
  });

  after(async () => {
    await http?.stop();
    await forecasting?.stop();
    await bus?.stop();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const missing = await post('/train', { sensor_key: 'temperature' });
    assert.equal(missing.status, 400);
    assert.equal((await body(missing)).field, 'device_id');
    const wrongType = await post('/train', { device_id: DEVICE, sensor_key: 'temperature', sequence_length: 'long' });
    assert.equal((await body(wrongType)).field, 'sequence_length');
    const extra = await post('/predict', { device_id: DEVICE, sensor_key: 'temperature', colour: 'red' });
    assert.equal(extra.status, 400);
    const badQuery = await fetch(`${url}/maintenance-schedule?days_ahead=soon`);
    assert.equal((await body(badQuery)).field, 'days_ahead');
  });

  it('answers 404 for an unknown device or sensor, and 422 saying how much history is needed', async () => {
    const device = await post('/train', { device_id: 'site-a/nope', sensor_key: 'temperature' });
    assert.equal(device.status, 404);
    assert.equal((await body(device)).field, 'device_id');
    const sensor = await post('/predict', { device_id: DEVICE, sensor_key: 'pressure' });
    assert.equal(sensor.status, 404);
    assert.equal((await body(sensor)).field, 'sensor_key');
    const short = await post('/train', { device_id: DEVICE, sensor_key: 'short' });
    assert.equal(short.status, 422);
    assert.match((await body(short)).message ?? '', /needs at least 101 consecutive readings \(sequence_length 30 \+ forecast_horizon 12/);
  });

  it('trains once per pair at a time (409 for the second) and predicts 12 steps with intervals and a failure risk', async () => {
    const [a, b] = await Promise.all([post('/train', { device_id: DEVICE, sensor_key: 'temperature', epochs: 3 }), post('/train', { device_id: DEVICE, sensor_key: 'temperature' })]);
    assert.deepEqual([a.status, b.status].sort(), [201, 409]);
    const trained = (await (a.status === 201 ? a : b).json()) as { metrics: { valMae: number; intervalCoverage: number }; training_time_seconds: number; step_seconds: number };
    assert.equal(trained.step_seconds, 60);
    assert.ok(trained.training_time_seconds > 0 && Number.isFinite(trained.metrics.valMae));

    const res = await post('/predict', { device_id: DEVICE, sensor_key: 'temperature' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      forecasts: { timestamp: string; predicted_value: number; confidence_lower: number; confidence_upper: number; hours_ahead: number }[];
      failure_risk: { risk_level: string; risk_score: number; time_to_failure_hours: number | null; recommended_action: string };
    };
    assert.equal(body.forecasts.length, 12);
    assert.equal(body.forecasts[11]!.hours_ahead, 0.2);
    for (const f of body.forecasts) assert.ok(f.confidence_lower <= f.predicted_value && f.predicted_value <= f.confidence_upper);
    assert.equal(body.failure_risk.risk_level, 'high');
    assert.equal(body.failure_risk.time_to_failure_hours, 0);
    assert.match(body.failure_risk.recommended_action, /Inspect now/);
  });

  it('lists models, status, the maintenance schedule and an SVG chart', async () => {
    const models = (await (await fetch(`${url}/models`)).json()) as { models: { sensor_key: string; version: string; chosen: string; selection: { chosen: string; reason: string; candidates: { kind: string }[] } }[] };
    assert.deepEqual(models.models.map((m) => m.sensor_key), ['temperature']);
    // The forecaster was chosen by rolling-origin validation, and the model says which and why.
    const [model] = models.models;
    assert.ok(['persistence', 'seasonal-naive', 'linear', 'lstm'].includes(model!.chosen), model!.chosen);
    assert.equal(model!.selection.chosen, model!.chosen);
    assert.deepEqual(model!.selection.candidates.map((c) => c.kind), ['persistence', 'seasonal-naive', 'linear', 'lstm']);
    assert.match(model!.selection.reason, /rolling-origin fold/);
    const status = (await (await fetch(`${url}/status`)).json()) as { models: number; training: string[]; started: boolean };
    assert.equal(status.models, 1);
    assert.deepEqual(status.training, []);
    const schedule = (await (await fetch(`${url}/maintenance-schedule?days_ahead=7`)).json()) as { items: { device_id: string; priority: number; priority_label: string }[] };
    assert.deepEqual(schedule.items.map((i) => [i.device_id, i.priority, i.priority_label]), [[DEVICE, 1, 'critical']]);
    const chart = await fetch(`${url}/chart?device_id=${encodeURIComponent(DEVICE)}&sensor_key=temperature`);
    assert.match(chart.headers.get('content-type') ?? '', /image\/svg\+xml/);
    const svg = await chart.text();
    assert.match(svg, /<svg[\s\S]*<title>forecast<\/title>[\s\S]*high limit 40/);
  });

  it('trains a multivariate model from two sensors of the device', async () => {
    const res = await post('/train', { device_id: DEVICE, sensor_key: 'vibration', input_sensor_keys: ['temperature'], epochs: 2 });
    assert.equal(res.status, 201);
    assert.deepEqual((await body(res)).input_sensor_keys, ['vibration', 'temperature']);
    assert.equal((await post('/predict', { device_id: DEVICE, sensor_key: 'vibration' })).status, 200);
  });

  it('a forecast cycle persists forecasts and publishes the risk; the rise to high is on the bus', async () => {
    const report = await forecasting.cycle.run();
    assert.equal(report.forecasts, 2);
    assert.deepEqual(report.retrained, []);
    assert.deepEqual(report.risingToHigh, [`${DEVICE}:temperature`]);
    const high = await waitFor('a high-risk forecast event', () => events.find((e) => e.sensorKey === 'temperature' && e.riskLevel === 'high'));
    assert.equal(high.site, 'site-a');
    assert.equal(high.device, 'pump-1');
    assert.equal(high.previousRiskLevel, undefined);
    const rows = await db.db.selectFrom('forecasts').select(['step']).where('key', '=', 'temperature').execute();
    assert.equal(rows.length, 12);
  });

  it('after a restart it predicts the same forecast from the stored model without retraining', async () => {
    const before = await (await post('/predict', { device_id: DEVICE, sensor_key: 'temperature' })).json();
    const runs = await db.db.selectFrom('training_runs').select('id').execute();
    await http.stop();
    await forecasting.stop();
    await boot();
    const afterRestart = await (await post('/predict', { device_id: DEVICE, sensor_key: 'temperature' })).json();
    assert.deepEqual(afterRestart, before);
    assert.equal((await db.db.selectFrom('training_runs').select('id').execute()).length, runs.length);
    // The settings it was trained with came back from the registry too, for the next automatic retrain.
    const models = (await (await fetch(`${url}/models`)).json()) as { models: { sensor_key: string; units: number; epochs: number; batch_size: number; input_sensor_keys: string[] }[] };
    const settingsOf = (key: string) => models.models.filter((m) => m.sensor_key === key).map((m) => [m.units, m.epochs, m.batch_size, m.input_sensor_keys]);
    assert.deepEqual(settingsOf('temperature'), [[8, 3, 32, ['temperature']]]);
    assert.deepEqual(settingsOf('vibration'), [[8, 2, 32, ['vibration', 'temperature']]]);
  });

  it('after a restart a pair that is still high is not announced as a new rise: the previous level comes from the stored forecasts', async () => {
    // The service was restarted by the test above and holds nothing in memory; new readings
    // make a new forecast time (a repeated one would be deduplicated by its msgId).
    const temperature = (i: number) => 20 + 0.09 * i + 2 * Math.sin((2 * Math.PI * i) / 30);
    await insertReadings(db.db, series(265, temperature, 'temperature', (i) => i < 260));
    const seen = events.length;
    const report = await forecasting.cycle.run();
    assert.deepEqual(report.failed, []);
    assert.deepEqual(report.risingToHigh, []);
    const again = await waitFor('the forecast event after the restart', () => events.slice(seen).find((e) => e.sensorKey === 'temperature'));
    assert.equal(again.riskLevel, 'high');
    assert.equal(again.previousRiskLevel, 'high');
    const stored = await db.db.selectFrom('forecasts').select(['time', 'risk_level']).where('key', '=', 'temperature').where('step', '=', 1).orderBy('time').execute();
    assert.deepEqual(stored.map((r) => r.risk_level), ['high', 'high']);
  });

  it('keeps the models in the registry (kind forecast, scope device:sensor): a retrain archives the previous one and announces the new one', async () => {
    const scope = `${DEVICE}:temperature`;
    const first = await db.db.selectFrom('models').select(['version', 'stage']).where('kind', '=', 'forecast').where('scope', '=', scope).execute();
    assert.deepEqual(first.map((r) => r.stage), ['production']);
    // The same settings and seed as production: the forecast gate finds it no worse on the same backtest origins.
    const res = await post('/train', { device_id: DEVICE, sensor_key: 'temperature' });
    assert.equal(res.status, 201);
    const trained = (await res.json()) as { promoted: boolean; gate: { promote: boolean; origins: number; candidateMae: number; championMae: number } };
    assert.deepEqual([trained.promoted, trained.gate.promote], [true, true], JSON.stringify(trained.gate));
    assert.ok(trained.gate.origins > 0 && Number.isFinite(trained.gate.candidateMae) && Number.isFinite(trained.gate.championMae), JSON.stringify(trained.gate));
    const rows = await db.db.selectFrom('models').select(['version', 'stage']).where('kind', '=', 'forecast').where('scope', '=', scope).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => r.stage), ['archived', 'production']);
    assert.equal(rows[0]!.version, first[0]!.version);
    const announced = await waitFor('the promotion of the retrained model', () => promotions.find((p) => p.version === rows[1]!.version));
    assert.equal(announced.previousVersion, first[0]!.version);
    const models = (await (await fetch(`${url}/models`)).json()) as { models: { sensor_key: string; version: string }[] };
    assert.equal(models.models.find((m) => m.sensor_key === 'temperature')?.version, rows[1]!.version);
  });

  it('keeps a retrain the forecast gate refuses as a candidate: production keeps serving, the refusal is listed with its reason', async () => {
    const scope = `${DEVICE}:temperature`;
    const production = await db.db.selectFrom('models').select('version').where('kind', '=', 'forecast').where('scope', '=', scope).where('stage', '=', 'production').executeTakeFirstOrThrow();
    await http.stop();
    await forecasting.stop();
    // No allowance at all: a retrain may not be worse than production in the least.
    await boot({ gate: { tolerance: 0, noiseShare: 0 } });
    try {
      // A starved network on a two-step window: worse than production on the same origins.
      const res = await post('/train', { device_id: DEVICE, sensor_key: 'temperature', sequence_length: 2, epochs: 1, units: 1 });
      assert.equal(res.status, 201);
      const trained = (await res.json()) as { version: string; promoted: boolean; stage: string; gate: { promote: boolean; reasons: string[]; championVersion: string } };
      assert.deepEqual([trained.promoted, trained.stage, trained.gate.promote, trained.gate.championVersion], [false, 'candidate', false, production.version], JSON.stringify(trained.gate));
      assert.match(trained.gate.reasons[0]!, /backtest MAE .* is worse than champion .* stays a candidate/);
      const rows = await db.db.selectFrom('models').select(['version', 'stage']).where('kind', '=', 'forecast').where('scope', '=', scope).where('stage', 'in', ['production', 'candidate']).execute();
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.version, r.stage])), { [production.version]: 'production', [trained.version]: 'candidate' });
      const models = (await (await fetch(`${url}/models`)).json()) as { models: { sensor_key: string; version: string }[]; refused_candidates: { version: string; gate: { reasons: string[] } }[] };
      assert.equal(models.models.find((m) => m.sensor_key === 'temperature')?.version, production.version);
      assert.deepEqual(models.refused_candidates.map((m) => m.version), [trained.version]);
      assert.equal((await post('/predict', { device_id: DEVICE, sensor_key: 'temperature' })).status, 200, 'production still forecasts');
    } finally {
      await http.stop();
      await forecasting.stop();
      await boot();
    }
  });

  it('skips a stored model whose artifact is gone at start-up and still loads the others', async () => {
    const row = await db.db.selectFrom('models').select('sha256').where('kind', '=', 'forecast').where('scope', '=', `${DEVICE}:vibration`).where('stage', '=', 'production').executeTakeFirstOrThrow();
    await rm(join(dir, 'models', row.sha256.slice(0, 2), `${row.sha256}.onnx`));
    await http.stop();
    await forecasting.stop();
    await boot();
    const models = (await (await fetch(`${url}/models`)).json()) as { models: { sensor_key: string }[] };
    assert.deepEqual(models.models.map((m) => m.sensor_key), ['temperature']);
    assert.equal((await post('/predict', { device_id: DEVICE, sensor_key: 'vibration' })).status, 404);
  });
});
