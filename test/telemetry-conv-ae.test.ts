// Telemetry scoring with TELEMETRY_DEVICE_MODEL=conv-ae, on both adapter pairs: a device's
// autoencoder is fitted in the worker thread while another device keeps being scored, then the
// device is scored by it; the stored ONNX export (scaler, window, threshold inside) scores the
// device's last window as the service did; a restart resumes from the stored model without
// fitting again. Data: a SKAB experiment when ../shared/data/skab is present, a generated pump otherwise.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { busSubjects, type DeviceRef, type TelemetryEvent } from '@premonitor/contracts';
import { publishEvent } from '@premonitor/bus';
import { createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { readModelMetadata } from '@premonitor/ml';
import { DEFAULT_DEVICE_FIT_OPTIONS, DEFAULT_DEVICE_MODEL_OPTIONS, TelemetryScoring, type TelemetryScoringSettings } from '@premonitor/telemetry-scoring';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'telemetry-conv-ae-test', level: 'silent' });
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
const ENROLL = 300;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const skabFile = resolve(process.env['PM_SHARED_DATA_DIR'] ?? resolve(repoRoot, '../shared/data'), 'skab/valve1/15.csv');

/** 520 rows of one device: SKAB 15.csv's start (its fault comes later), or a generated pump. */
function healthyRows(): Record<string, number>[] {
  if (existsSync(skabFile)) {
    const [header, ...lines] = readFileSync(skabFile, 'utf8').trim().split('\n');
    const sensors = header!.split(';').slice(1, 9);
    return lines.slice(0, 520).map((l) => Object.fromEntries(sensors.map((s, k) => [s, Number(l.split(';')[k + 1])])));
  }
  return Array.from({ length: 520 }, (_, i) => {
    const load = Math.sin(i * 1.1) + 0.5 * Math.sin(i * 2.3);
    const noise = (k: number) => 0.1 * ((Math.sin(i * 12.9898 + k * 78.233) * 43758.5453) % 1);
    return { 'Volume Flow RateRMS': 30 + 2 * load + noise(1), Current: 1.5 + 0.2 * load + 0.02 * noise(2), 'Pressure (bar)': 2 + 0.1 * load + 0.01 * noise(3) };
  });
}

for (const mode of await busAndDatabaseModes('telemetry-conv-ae', logger)) {
  describe(`telemetry scoring with per-device conv autoencoders, ${mode.name}`, { skip: mode.skip, timeout: 300_000 }, () => {
    const site = `tc-${randomBytes(3).toString('hex')}`;
    const rows = healthyRows();
    // More epochs than the default: the fit must take long enough (seconds) to watch another device being scored meanwhile.
    const settings: TelemetryScoringSettings = {
      site,
      durable: `telemetry-scoring-${site}`,
      deliverPolicy: 'all',
      deadLetterMaxBytes: 64 * 1024,
      tracker: { stepMs: 0, discoveryMessages: 5, maxGapSteps: 3, enrollRows: ENROLL, maxSensors: 32, model: DEFAULT_DEVICE_MODEL_OPTIONS, family: 'conv-ae' },
      fit: { ...DEFAULT_DEVICE_FIT_OPTIONS, convAe: { ...DEFAULT_DEVICE_FIT_OPTIONS.convAe, network: { ...DEFAULT_DEVICE_FIT_OPTIONS.convAe.network, epochs: 60 } } },
    };
    let env: BusAndDatabase;
    let scoring: TelemetryScoring;

    before(async () => {
      env = await mode.open();
      scoring = new TelemetryScoring(settings, { db: env.db, bus: env.bus, logger, registry: createRegistry('telemetry-conv-ae-test', false) });
      await scoring.start();
    });

    after(async () => {
      await scoring?.stop();
      await env?.stop();
    });

    /** Row `i` at second `i`; past the last row, the rows again from the start (still healthy). */
    const send = (ref: DeviceRef, i: number) => {
      const event: TelemetryEvent = { ...ref, ts: T0 + i * 1000, seq: i, readings: rows[i % rows.length]!, receivedAt: T0 + i * 1000 };
      return publishEvent(env.bus, 'telemetry', [ref], event, { msgId: `${ref.site}.${ref.device}.${i}` });
    };
    const storedModel = async (ref: DeviceRef) =>
      env.db.db.selectFrom('telemetry_models').select(['model', 'model_version']).where('device_id', '=', `${ref.site}/${ref.device}`).executeTakeFirst();
    const a = { site, device: 'pump-a' };
    const b = { site, device: 'pump-b' };

    it('fits in the worker while another device keeps being scored, then scores with the model its ONNX export reproduces', async () => {
      for (let i = 0; i < ENROLL + 20; i++) await send(a, i);
      await waitFor('pump-a fitting', () => scoring.status(a)?.state === 'fitting', 60_000);
      assert.equal(scoring.status(a)!.lastScore, null, 'not scored before its model is in');
      await waitFor('pump-a ready', () => scoring.status(a)?.state === 'ready', 120_000);
      assert.equal(scoring.status(a)!.family, 'conv-ae');
      for (let i = ENROLL + 20; i < 400; i++) await send(a, i);
      await waitFor('pump-a scored by its autoencoder', () => scoring.status(a)?.lastScore?.ts === T0 + 398 * 1000 + 999, 60_000);

      // pump-b completes its enrollment: while its autoencoder is fitted, pump-a's new rows are scored.
      for (let i = 0; i < ENROLL + 10; i++) await send(b, i);
      await waitFor('pump-b fitting', () => scoring.status(b)?.state === 'fitting', 60_000);
      for (let i = 400; i < 440; i++) await send(a, i);
      await waitFor('pump-a scored through row 438', () => scoring.status(a)?.lastScore?.ts === T0 + 438 * 1000 + 999, 60_000);
      assert.equal(scoring.status(b)!.state, 'fitting', 'pump-a was scored while pump-b was still being fitted');
      await waitFor('pump-b ready', () => scoring.status(b)?.state === 'ready', 120_000);
      await waitFor('pump-b stored', async () => (await storedModel(b)) !== undefined, 30_000);

      // The stored export, fed pump-a's last 60 raw rows in its channel order, gives the service's last ratio.
      const stored = (await storedModel(a))!;
      const model = (typeof stored.model === 'string' ? JSON.parse(stored.model) : stored.model) as { family: string; onnx: string };
      assert.equal(model.family, 'conv-ae');
      assert.match(stored.model_version, /^conv-ae-/);
      const onnx = new Uint8Array(Buffer.from(model.onnx, 'base64'));
      const window = readModelMetadata(onnx).window!;
      assert.deepEqual(window.channels, scoring.status(a)!.sensors);
      const input = new Float32Array(window.steps * window.channels.length);
      for (let i = 0; i < window.steps; i++) window.channels.forEach((ch, k) => (input[i * window.channels.length + k] = rows[438 - window.steps + 1 + i]![ch]!));
      const session = await ort.InferenceSession.create(onnx);
      const edge = ((await session.run({ window: new ort.Tensor('float32', input, [1, window.steps, window.channels.length]) }))['score']!.data as Float32Array)[0]!;
      await session.release();
      const last = scoring.status(a)!.lastScore!.score;
      const service = last / (1 - last);
      assert.ok(Math.abs(edge - service) <= 1e-3 * Math.max(1, service), `edge ${edge} vs service ${service}`);
    });

    it('resumes from the stored autoencoder after a restart, without fitting again', async () => {
      const version = (await storedModel(a))!.model_version;
      await scoring.stop();
      scoring = new TelemetryScoring(settings, { db: env.db, bus: env.bus, logger, registry: createRegistry('telemetry-conv-ae-test-2', false) });
      await scoring.start();
      // A new window fills after the restart (60 rows) before the first score.
      for (let i = 440; i < 520; i++) await send(a, i);
      await waitFor('pump-a scored after restart', () => scoring.status(a)?.lastScore?.ts === T0 + 518 * 1000 + 999, 60_000);
      const status = scoring.status(a)!;
      assert.equal(status.family, 'conv-ae');
      assert.equal(status.modelVersion, version);
      assert.equal((await storedModel(a))!.model_version, version);
      assert.equal(status.problem, null, 'scored by its graph');
    });

    it('a stored graph that no longer loads: that device is scored in process and says why, the other stays on its graph', async () => {
      const stored = (await storedModel(b))!;
      const model = (typeof stored.model === 'string' ? JSON.parse(stored.model) : stored.model) as { onnx: string };
      const broken = JSON.stringify({ ...model, onnx: model.onnx.slice(0, 200) });
      await env.db.db.updateTable('telemetry_models').set({ model: broken }).where('device_id', '=', `${b.site}/${b.device}`).execute();
      await scoring.stop();
      scoring = new TelemetryScoring(settings, { db: env.db, bus: env.bus, logger, registry: createRegistry('telemetry-conv-ae-test-3', false) });
      await scoring.start();
      assert.match(scoring.status(b)!.problem ?? '', /ONNX graph cannot score \(.+\); scored by the in-process scorer instead/);
      for (let i = ENROLL + 10; i < 400; i++) await send(b, i);
      for (let i = 520; i < 600; i++) await send(a, i);
      await waitFor('pump-b scored in process', () => scoring.status(b)?.lastScore?.ts === T0 + 398 * 1000 + 999, 60_000);
      assert.equal(scoring.status(b)!.state, 'ready');
      await waitFor('pump-a still scored', () => (scoring.status(a)?.lastScore?.ts ?? 0) > T0 + 518 * 1000 + 999, 60_000);
      assert.equal(scoring.status(a)!.problem, null);
    });
  });
}
