import express, { Router } from 'express';
import { z } from 'zod';
import { HttpError, validateInput } from '@premonitor/http';
import { READING_KEY_PATTERN, READING_KEY_RULE } from '@premonitor/contracts';
import { InsufficientHistoryError, ModelNotFoundError, TrainingInProgressError, UnknownSeriesError } from '../errors.js';
import { renderForecastChart } from '../chart/forecast-chart.js';
import type { ForecastService, Prediction } from '../forecast-service.js';
import { buildMaintenanceSchedule } from '../maintenance-schedule.js';
import type { ForecastModelRecord } from '../store/forecast-model-store.js';

const deviceId = z.string().regex(/^[a-z0-9-]{1,64}\/[a-z0-9-]{1,64}$/, 'must be site/device ([a-z0-9-]{1,64}/[a-z0-9-]{1,64})');
const sensorKey = z.string().regex(READING_KEY_PATTERN, READING_KEY_RULE);
const int = (min: number, max: number) => z.number().int().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`);

/** `POST /lstm/train`. */
export const trainBody = z.strictObject({
  device_id: deviceId,
  sensor_key: sensorKey,
  sequence_length: int(2, 500).optional(),
  forecast_horizon: int(1, 500).optional(),
  epochs: int(1, 1000).optional(),
  batch_size: int(1, 4096).optional(),
  units: int(1, 512).optional(),
  /** Multivariate option: more sensors of the same device as inputs. */
  input_sensor_keys: z.array(sensorKey).max(16).optional(),
});
/** `POST /lstm/predict` (body), `GET /lstm/chart` (query). */
export const pairBody = z.strictObject({ device_id: deviceId, sensor_key: sensorKey });
/** `GET /lstm/maintenance-schedule`. */
export const scheduleQuery = z.strictObject({ days_ahead: z.string().regex(/^\d+$/, 'must be a whole number of days').transform(Number).pipe(int(1, 365)).default(7) });

/** Runtime facts for `GET /status`. */
export interface LstmStatusSource {
  status(): Record<string, unknown>;
}

/** The LSTM forecasting API (mounted at `/api/v1/lstm`). */
export function createLstmApi(service: ForecastService, status: LstmStatusSource, now: () => number): Router {
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  router.post('/train', async (req, res) => {
    const body = validateInput(trainBody, req.body ?? {});
    const record = await mapErrors(() =>
      service.train({
        deviceId: body.device_id,
        sensorKey: body.sensor_key,
        inputSensorKeys: body.input_sensor_keys,
        overrides: { sequenceLength: body.sequence_length, horizon: body.forecast_horizon, epochs: body.epochs, batchSize: body.batch_size, units: body.units },
      }),
    );
    // 201 either way (a model was registered); `promoted` and `gate` say whether it serves.
    res.status(201).json({ ...toModel(record), promoted: record.stage === 'production', training_time_seconds: record.metrics.trainSeconds });
  });

  router.post('/predict', async (req, res) => {
    const body = validateInput(pairBody, req.body ?? {});
    res.json(toPrediction(await mapErrors(() => service.predict(body.device_id, body.sensor_key))));
  });

  router.get('/chart', async (req, res) => {
    const q = validateInput(pairBody, req.query);
    const p = await mapErrors(() => service.predict(q.device_id, q.sensor_key));
    const svg = renderForecastChart({ title: `${q.device_id} ${q.sensor_key} — risk ${p.risk.riskLevel} (${p.risk.riskScore})`, history: p.history, points: p.points, limits: p.limits });
    res.type('image/svg+xml').send(svg);
  });

  router.get('/models', (_req, res) => {
    res.json({ models: service.models().map(toModel), refused_candidates: service.refusedCandidates().map(toModel) });
  });

  router.get('/maintenance-schedule', async (req, res) => {
    const q = validateInput(scheduleQuery, req.query);
    const predictions: Prediction[] = [];
    for (const m of service.models()) {
      try {
        predictions.push(await service.predict(m.deviceId, m.sensorKey));
      } catch (err) {
        // A pair without fresh data is left out of the schedule rather than failing it.
        if (!(err instanceof InsufficientHistoryError)) throw err;
      }
    }
    res.json({ days_ahead: q.days_ahead, generated_at: new Date(now()).toISOString(), items: buildMaintenanceSchedule(predictions, q.days_ahead, now()) });
  });

  router.get('/status', (_req, res) => {
    res.json({ models: service.models().length, training: service.trainingNow(), ...status.status() });
  });

  return router;
}

async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UnknownSeriesError) throw new HttpError(404, 'not_found', err.message, err.field);
    if (err instanceof ModelNotFoundError) throw new HttpError(404, 'model_not_found', err.message);
    if (err instanceof TrainingInProgressError) throw new HttpError(409, 'training_in_progress', err.message);
    if (err instanceof InsufficientHistoryError) throw new HttpError(422, 'insufficient_history', err.message);
    throw err;
  }
}

function toModel(r: ForecastModelRecord) {
  return {
    device_id: r.deviceId,
    sensor_key: r.sensorKey,
    version: r.version,
    created_at: r.createdAt.toISOString(),
    input_sensor_keys: r.spec.inputKeys,
    sequence_length: r.spec.sequenceLength,
    forecast_horizon: r.spec.horizon,
    step_seconds: r.spec.stepMs / 1000,
    units: r.spec.training?.units ?? null,
    epochs: r.spec.training?.epochs ?? null,
    batch_size: r.spec.training?.batchSize ?? null,
    interval_level: r.spec.intervalLevel,
    default_limits: r.spec.defaultLimits,
    sha256: r.sha256,
    stage: r.stage,
    // The forecast gate's verdict when it was trained (backtest MAE against the production forecaster).
    gate: r.metrics.gate ?? null,
    // Which forecaster the model is and why (rolling-origin validation); models stored before the choice are LSTMs.
    chosen: r.metrics.chosen ?? 'lstm',
    selection: r.metrics.selection ?? null,
    metrics: r.metrics,
  };
}

function toPrediction(p: Prediction) {
  return {
    device_id: p.record.deviceId,
    sensor_key: p.record.sensorKey,
    model_version: p.record.version,
    last_observation: { timestamp: new Date(p.madeAt).toISOString(), value: p.lastValue },
    forecasts: p.points.map((f) => ({
      timestamp: new Date(f.targetTime).toISOString(),
      predicted_value: f.predicted,
      confidence_lower: f.lower,
      confidence_upper: f.upper,
      hours_ahead: f.hoursAhead,
    })),
    failure_risk: {
      risk_level: p.risk.riskLevel,
      risk_score: p.risk.riskScore,
      time_to_failure_hours: p.risk.timeToFailureHours,
      recommended_action: p.risk.recommendedAction,
      // The device's recent telemetry anomaly score when it entered the risk (null: none).
      anomaly_score: p.risk.anomalyScore ?? null,
    },
    limits: p.limits,
  };
}

