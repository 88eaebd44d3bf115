// Vibration windows served end to end on the real services: a device publishes windows on its
// telemetry topic (real Mosquitto) → ingest validates and forwards them (`pm.frames.vibration.*`, real
// NATS JetStream) → vibration scoring runs models/vibration.onnx, stores `scores` (kind
// `vibration`, real PostgreSQL) and publishes `pm.scores.vibration.*` → fusion's
// `vibration-fault` rule raises a WARNING when 3 of the last 5 windows score above 0.5. Bad
// windows end as dead letters naming what is wrong, and the valid windows around them are all
// scored. Generated windows always run; real fan recordings (vibration-fan) when the shared data is there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { busSubjects, mqttTopic, vibrationScoreEvent, type DeviceRef, type VibrationScoreEvent } from '@premonitor/contracts';
import type { Subscription } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { Fusion } from '@premonitor/fusion';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { Ingest } from '@premonitor/ingest';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { VibrationScoring } from '@premonitor/telemetry-scoring';
import { FAN_SAMPLES, VIBRATION_CLASSES, loadVibrationFan } from '@premonitor/training/vibration';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'vibration-scoring-test', level: 'silent' });
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fanDir = resolve(process.env['PM_SHARED_DATA_DIR'] ?? resolve(repoRoot, '../shared/data'), 'vibration-fan');
const haveFan = existsSync(fanDir);
if (!haveFan) console.log(`NOTE: ${fanDir} not found (set PM_SHARED_DATA_DIR); the real fan windows are skipped, the generated ones still run`);

const [pg, mosquitto, nats] = await Promise.all([needService('postgres'), needService('mosquitto'), needService('nats')]);

/** A window as a device sends it: rows of x, y, z samples in g. */
type Rows = number[][];

/**
 * A fan spinning at `hz` with an off-centre mass: a once-per-revolution swing of `swing` g on x
 * and y (90° apart) over gravity on z, plus a little deterministic noise.
 */
function generatedWindow(hz: number, swing: number, seed: number, samples = FAN_SAMPLES, rate = 200): Rows {
  return Array.from({ length: samples }, (_, i) => {
    const phase = (2 * Math.PI * hz * i) / rate;
    const noise = (k: number) => 0.01 * Math.sin(i * 12.9898 + seed * 7.1 + k * 78.233);
    return [swing * Math.cos(phase) + noise(1), swing * Math.sin(phase) + noise(2), 1 + 0.2 * swing * Math.sin(2 * phase) + noise(3)];
  });
}

describe('vibration scoring on Mosquitto, NATS JetStream and PostgreSQL', { skip: pg.skip || mosquitto.skip || nats.skip, timeout: 300_000 }, () => {
  const site = `vib-${randomBytes(3).toString('hex')}`;
  const tag = site.replace(/-/g, '_');
  const ingestClientId = `pm-vib-ingest-${randomBytes(4).toString('hex')}`;
  const published: VibrationScoreEvent[] = [];
  let throwaway: { url: string; drop(): Promise<void> };
  let db: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let ingest: Ingest;
  let scoring: VibrationScoring;
  let fusion: Fusion;
  let tap: Subscription;
  let device: MqttClient;
  let seq = 0;

  before(async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_vibration');
    db = await openDatabase({ kind: 'postgres', url: throwaway.url });
    await migrate(db, { schema: PLATFORM_SCHEMA });
    bus = new NatsJetStreamBus({ servers: nats.url!, name: 'vibration-test', logger });
    await bus.start();
    const registry = createRegistry('vibration-test', false);
    ingest = new Ingest(
      {
        mqtt: { url: mosquitto.url!, clientId: ingestClientId, sharedGroup: '', receiveMaximum: 1000, protocolVersion: 5 },
        batchSize: 100,
        batchMaxWaitMs: 20,
        batchConcurrency: 1,
        deadLetterMaxBytes: 64 * 1024,
        limits: { maxJsonBytes: 64 * 1024, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 },
      },
      { db, bus, logger, registry },
    );
    scoring = new VibrationScoring(
      { site, deliverPolicy: 'all', modelFile: fileURLToPath(new URL('../../models/vibration.onnx', import.meta.url)), faultClasses: ['low+weight', 'med+weight', 'high+weight'], durable: `vibration_${tag}` },
      { db, bus, logger, registry },
      64 * 1024,
    );
    fusion = new Fusion({ rulesReloadMs: 0, tickMs: 60_000, consumers: { durablePrefix: `fusion_${tag}`, site, deliverPolicy: 'all', ackWaitMs: 5_000 } }, { db, bus, logger, registry: createRegistry('vibration-fusion', false) });
    tap = await bus.consume({ stream: busSubjects.vibrationScores.stream, durable: `tap_${tag}`, filterSubject: busSubjects.vibrationScores.ofSite(site), deliverPolicy: 'all', ackWaitMs: 5_000 }, (m) => {
      published.push(vibrationScoreEvent.parse(JSON.parse(Buffer.from(m.data).toString())));
      m.ack();
    });
    await ingest.start();
    await scoring.start();
    await fusion.start();
    device = await mqtt.connectAsync(mosquitto.url!, { clientId: `vib-device-${tag}` });
  });

  after(async () => {
    await device?.endAsync();
    await tap?.stop();
    await fusion?.stop();
    await scoring?.stop();
    await ingest?.stop();
    await bus?.stop();
    await db?.close();
    await throwaway?.drop();
    // Remove ingest's persistent session from the shared Mosquitto so it does not queue for a ghost.
    if (mosquitto.url) await (await mqtt.connectAsync(mosquitto.url, { clientId: ingestClientId, clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 } })).endAsync();
  });

  /** Publishes a payload on the device's telemetry topic, as the device would (QoS 1). */
  const send = (ref: DeviceRef, payload: unknown) => device.publishAsync(mqttTopic.telemetry(ref), typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
  const windowOf = (samples: Rows, extra: Record<string, unknown> = {}) => ({ ts: Date.now() - 60_000 + seq, seq: ++seq, sampleRateHz: 200, channels: ['x', 'y', 'z'], samples, ...extra });
  const scoresOf = async (ref: DeviceRef) => db.db.selectFrom('scores').select(['score', 'seq', 'model_version', 'reference']).where('device_id', '=', `${ref.site}/${ref.device}`).where('kind', '=', 'vibration').orderBy('seq').execute();
  const alertsOf = async (ref: DeviceRef) => db.db.selectFrom('alerts').select(['severity', 'status']).where('device_id', '=', `${ref.site}/${ref.device}`).where('rule', '=', 'vibration-fault').execute();
  const deadLettersOf = async (ref: DeviceRef) => db.db.selectFrom('dead_letters').select(['reason', 'topic']).where('device_id', '=', `${ref.site}/${ref.device}`).orderBy('id').execute();

  it('scores generated windows: a strong once-per-revolution swing reads as a fault and raises one WARNING; every window is stored and published', async () => {
    const ref = { site, device: 'fan-generated' };
    for (let n = 0; n < 4; n++) await send(ref, windowOf(generatedWindow(12, 1.5, n)));
    const rows = await waitFor('4 vibration scores stored', async () => ((await scoresOf(ref)).length >= 4 ? scoresOf(ref) : undefined), 60_000);
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => r.reference === 'fleet' && /\S/.test(r.model_version)));
    const events = await waitFor('4 score events', () => (published.filter((e) => e.device === ref.device).length >= 4 ? published.filter((e) => e.device === ref.device) : undefined), 30_000);
    for (const e of events) {
      const total = Object.values(e.probabilities).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-3, `probabilities sum to ${total}`);
      assert.deepEqual(Object.keys(e.probabilities), [...VIBRATION_CLASSES]);
      assert.ok(e.score >= Math.max(e.faultProbability, e.unbalanceRatio / (1 + e.unbalanceRatio)) - 1e-9);
      assert.ok(e.score > 0.5, `a 1.5 g swing is far from any healthy fan (score ${e.score}, unbalance ratio ${e.unbalanceRatio}, predicted ${e.predicted})`);
    }
    const alerts = await waitFor('a vibration-fault alert', async () => ((await alertsOf(ref)).length > 0 ? alertsOf(ref) : undefined), 30_000);
    assert.deepEqual(alerts, [{ severity: 'WARNING', status: 'open' }], 'one WARNING alert (fleet model, allowed to warn)');
  });

  it('dead-letters windows the contract or the model refuses, naming why, and scores every valid window around them', async () => {
    const ref = { site, device: 'fan-bad-input' };
    const good = () => windowOf(generatedWindow(12, 1.5, seq));
    const wrongRate = windowOf(generatedWindow(12, 1.5, 1), { sampleRateHz: 100 });
    const wrongLength = windowOf(generatedWindow(12, 1.5, 2, 150));
    const wrongChannels = windowOf(generatedWindow(12, 1.5, 3), { channels: ['a', 'b', 'c'] });
    const ragged = windowOf([[0, 0], ...generatedWindow(12, 1.5, 4).slice(1)]);
    const huge = windowOf(generatedWindow(12, 1.5, 5).map((r, i) => (i === 7 ? [r[0]!, 5_000, r[2]!] : r)));
    const nan = JSON.stringify(good()).replace(/\[\[[^\]]*\]/, '[[NaN, 0, 1]');
    const payloads: unknown[] = [good(), wrongRate, good(), wrongLength, wrongChannels, ragged, huge, nan, good()];
    for (const p of payloads) await send(ref, p);
    const letters = await waitFor('6 dead letters', async () => ((await deadLettersOf(ref)).length >= 6 ? deadLettersOf(ref) : undefined), 60_000);
    const reasons = letters.map((l) => l.reason).join('\n');
    assert.match(reasons, /sample rate 100 Hz, the model needs 200 Hz/);
    assert.match(reasons, /150 samples, the model needs 200/);
    assert.match(reasons, /channel\(s\) x, y, z missing/);
    assert.match(reasons, /vibration window: invalid payload: samples\.0: sample 0 has 2 values, expected one per channel \(3\)/);
    assert.match(reasons, /sample 7 of channel y is 5000, beyond ±1000/);
    assert.match(reasons, /malformed JSON/);
    assert.equal(letters.length, 6);
    const rows = await waitFor('the 3 valid windows scored', async () => ((await scoresOf(ref)).length >= 3 ? scoresOf(ref) : undefined), 60_000);
    assert.equal(rows.length, 3, 'nothing valid lost, nothing invalid scored');
  });

  it('on real fan recordings: healthy windows stay quiet, a weighted fan raises, a fault in 2 of 5 windows does not (flapping control)', { skip: !haveFan }, async () => {
    const all = await loadVibrationFan(fanDir);
    // The last recorded windows of each condition: the split by recording order holds them out of training.
    const last = (cls: (typeof VIBRATION_CLASSES)[number], n: number) => all.filter((w) => w.label === VIBRATION_CLASSES.indexOf(cls)).slice(-n);
    const rowsOf = (samples: Float32Array): Rows => Array.from({ length: FAN_SAMPLES }, (_, i) => [samples[i * 3]!, samples[i * 3 + 1]!, samples[i * 3 + 2]!]);
    const healthy = { site, device: 'fan-healthy' };
    const weighted = { site, device: 'fan-weighted' };
    const flapping = { site, device: 'fan-flapping' };
    for (const w of [...last('low', 3), ...last('med', 3), ...last('high', 3)]) await send(healthy, windowOf(rowsOf(w.samples)));
    for (const w of last('med+weight', 5)) await send(weighted, windowOf(rowsOf(w.samples)));
    const [h1, h2, h3] = last('med', 3);
    const [f1, f2] = last('med+weight', 2);
    for (const w of [h1!, f1!, h2!, f2!, h3!]) await send(flapping, windowOf(rowsOf(w.samples)));

    await waitFor('every real window scored', async () => (await scoresOf(healthy)).length >= 9 && (await scoresOf(weighted)).length >= 5 && (await scoresOf(flapping)).length >= 5, 90_000);
    const byDevice = (ref: DeviceRef) => published.filter((e) => e.device === ref.device);
    await waitFor('every score event', () => byDevice(healthy).length >= 9 && byDevice(weighted).length >= 5 && byDevice(flapping).length >= 5, 30_000);
    const healthyAbove = byDevice(healthy).filter((e) => e.score > 0.5);
    assert.ok(healthyAbove.length <= 1, `healthy windows above 0.5: ${healthyAbove.map((e) => `${e.predicted} ${e.score.toFixed(2)}`).join(', ')}`);
    assert.ok(byDevice(weighted).filter((e) => e.score > 0.5).length >= 4, `weighted: ${byDevice(weighted).map((e) => `${e.predicted} ${e.score.toFixed(2)}`).join(', ')}`);
    assert.ok(byDevice(weighted).filter((e) => e.predicted === 'med+weight').length >= 4, 'the class is recognised too');
    // Fusion applies events asynchronously: give the flapping device's last events time to land.
    const raised = await waitFor('the weighted fan raises', async () => ((await alertsOf(weighted)).length > 0 ? alertsOf(weighted) : undefined), 30_000);
    assert.deepEqual(raised, [{ severity: 'WARNING', status: 'open' }]);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(await alertsOf(healthy), [], 'no alert on the healthy fan');
    assert.deepEqual(await alertsOf(flapping), [], 'two faulty windows of five do not raise');
  });
});
