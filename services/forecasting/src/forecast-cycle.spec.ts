import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, InProcessBus, type BusMessage } from '@premonitor/bus';
import type { ForecastEvent } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { ForecastCycle, type ForecastCycleDeps } from './forecast-cycle.js';
import type { Prediction, TrainRequest } from './forecast-service.js';
import type { ForecasterSpec } from './model/forecaster-spec.js';
import type { ForecastMetrics } from './model/train-forecaster.js';
import type { RiskLevel } from './risk/failure-risk.js';
import type { ForecastModelRecord } from './store/forecast-model-store.js';

const HOUR = 3_600_000;
const logger = createLogger({ service: 'forecast-cycle-spec', level: 'silent' });

const TRAINED_WITH = { units: 64, epochs: 7, batchSize: 16, patience: 3 };

function record(sensorKey: string, createdAt: number, valMae = 1, training: ForecasterSpec['training'] | null = TRAINED_WITH): ForecastModelRecord {
  return {
    deviceId: 'site-a/pump-1',
    sensorKey,
    version: `v-${sensorKey}-${createdAt}`,
    sha256: '0'.repeat(64),
    size: 1,
    stage: 'production',
    createdAt: new Date(createdAt),
    spec: { sequenceLength: 48, horizon: 6, maxGapSteps: 2, inputKeys: [sensorKey, 'current', 'pressure'], ...(training ? { training } : {}) } as unknown as ForecasterSpec,
    metrics: { valMae } as ForecastMetrics,
  };
}

/**
 * A service whose models, recent errors and risk levels the test sets. `stored` is the
 * forecasts table (pair → levels of its stored forecasts, oldest first); hand the same one to
 * a second setUp to restart the cycle on what the first persisted.
 */
async function setUp(models: ForecastModelRecord[], opts: { recentError?: Record<string, number>; levels?: RiskLevel[]; failing?: string; stored?: Map<string, RiskLevel[]> } = {}) {
  const stored = opts.stored ?? new Map<string, RiskLevel[]>();
  const clock = new ManualClock(Date.UTC(2024, 0, 2));
  const bus = new InProcessBus();
  await bus.start();
  const events: ForecastEvent[] = [];
  await bus.consume({ stream: 'PM_EVENTS', durable: 'spec', filterSubject: 'pm.forecasts.>' }, (m: BusMessage) => {
    const decoded = decodeEvent('forecasts', m);
    if (decoded.ok) events.push(decoded.value);
    m.ack();
  });
  const trained: TrainRequest[] = [];
  const saved: string[] = [];
  let call = 0;
  const deps: ForecastCycleDeps = {
    service: {
      models: () => models,
      train: async (req) => (trained.push(req), models.find((m) => m.sensorKey === req.sensorKey)!),
      recentError: async (_d, key) => opts.recentError?.[key],
      predict: async (_d, key) => {
        if (key === opts.failing) throw new Error('no recent readings');
        const level = opts.levels?.[call++] ?? 'low';
        return {
          record: models.find((m) => m.sensorKey === key)!,
          madeAt: clock.now() + call,
          lastValue: 1,
          history: [],
          points: [{ step: 1, targetTime: clock.now() + 60_000, hoursAhead: 1 / 60, predicted: 1, lower: 0, upper: 2 }],
          risk: { riskScore: level === 'high' ? 90 : 5, riskLevel: level, timeToFailureHours: null, recommendedAction: 'watch', limit: null },
          limits: { low: 0, high: 10 },
        } satisfies Prediction;
      },
    },
    forecasts: {
      saveForecast: async (_d, key, _at, _points, _version, risk) => {
        saved.push(key);
        stored.set(key, [...(stored.get(key) ?? []), risk.level]);
      },
      latestRiskLevel: async (_d, key) => stored.get(key)?.at(-1),
    },
    bus,
    clock,
    logger,
  };
  const cycle = new ForecastCycle({ retrainAfterMs: 24 * HOUR, driftFactor: 1.5, driftWindows: 24 }, deps);
  return { clock, bus, cycle, trained, saved, events, stored };
}

test('retrains a model older than the retrain age and one whose recent error drifted above 1.5× its validation error, and no other', async () => {
  const now = Date.UTC(2024, 0, 2);
  const { cycle, trained, saved, bus } = await setUp([record('old', now - 25 * HOUR), record('fresh', now - HOUR), record('drifting', now - HOUR, 2), record('steady', now - HOUR, 2)], {
    recentError: { fresh: 1.4, drifting: 3.2, steady: 2.9 },
  });
  const report = await cycle.run();
  assert.deepEqual(report.retrained, ['site-a/pump-1:old', 'site-a/pump-1:drifting']);
  assert.deepEqual(report.drifted, ['site-a/pump-1:drifting']);
  assert.deepEqual(trained.map((t) => t.sensorKey), ['old', 'drifting']);
  assert.deepEqual(saved, ['old', 'fresh', 'drifting', 'steady']);
  assert.equal(report.forecasts, 4);
  await bus.stop();
});

test('an automatic retrain repeats the settings the model was trained with, not the service defaults', async () => {
  const now = Date.UTC(2024, 0, 2);
  const { cycle, trained, bus } = await setUp([record('old', now - 25 * HOUR), record('legacy', now - 25 * HOUR, 1, null)]);
  await cycle.run();
  assert.deepEqual(trained[0], {
    deviceId: 'site-a/pump-1',
    sensorKey: 'old',
    inputSensorKeys: ['current', 'pressure'],
    overrides: { sequenceLength: 48, horizon: 6, maxGapSteps: 2, units: 64, epochs: 7, batchSize: 16, patience: 3 },
  });
  // A model stored before the settings were: its windowing and inputs are kept, the rest are the defaults.
  assert.deepEqual(trained[1]!.overrides, { sequenceLength: 48, horizon: 6, maxGapSteps: 2 });
  assert.deepEqual(trained[1]!.inputSensorKeys, ['current', 'pressure']);
  await bus.stop();
});

test('publishes every forecast on pm.forecasts and reports a rise to high once, with the previous level on the event', async () => {
  const { cycle, clock, events, bus } = await setUp([record('temperature', Date.UTC(2024, 0, 2))], { levels: ['medium', 'high', 'high'] });
  const rises: string[][] = [];
  for (let i = 0; i < 3; i++) {
    rises.push([...(await cycle.run()).risingToHigh]);
    clock.advance(15 * 60_000);
  }
  assert.deepEqual(rises, [[], ['site-a/pump-1:temperature'], []]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events.map((e) => [e.riskLevel, e.previousRiskLevel]), [['medium', undefined], ['high', 'medium'], ['high', 'high']]);
  assert.deepEqual([events[0]!.site, events[0]!.device, events[0]!.sensorKey], ['site-a', 'pump-1', 'temperature']);
  await bus.stop();
});

test('after a restart the previous level comes from the stored forecasts: a pair still high is no new rise', async () => {
  const models = [record('temperature', Date.UTC(2024, 0, 2))];
  const first = await setUp(models, { levels: ['medium', 'high'] });
  assert.deepEqual((await first.cycle.run()).risingToHigh, []);
  assert.deepEqual((await first.cycle.run()).risingToHigh, ['site-a/pump-1:temperature']);
  await first.bus.stop();
  // A new cycle object (the restarted service, nothing in memory) on the same stored forecasts.
  const restarted = await setUp(models, { levels: ['high', 'low', 'high'], stored: first.stored });
  const rises: string[][] = [];
  for (let i = 0; i < 3; i++) rises.push([...(await restarted.cycle.run()).risingToHigh]);
  assert.deepEqual(rises, [[], [], ['site-a/pump-1:temperature']]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(restarted.events.map((e) => [e.riskLevel, e.previousRiskLevel]), [['high', 'high'], ['low', 'high'], ['high', 'low']]);
  await restarted.bus.stop();
});

test('a model that fails to forecast is reported and does not stop the others', async () => {
  const { cycle, bus } = await setUp([record('broken', Date.UTC(2024, 0, 2)), record('fine', Date.UTC(2024, 0, 2))], { failing: 'broken' });
  const report = await cycle.run();
  assert.deepEqual(report.failed, ['site-a/pump-1:broken']);
  assert.equal(report.forecasts, 1);
  await bus.stop();
});
