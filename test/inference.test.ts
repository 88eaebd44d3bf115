// The inference service end to end in embedded mode: InProcessBus + PGlite + the registry,
// with reference models whose scores are known in closed form.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { busSubjects, deviceMessageId, encodeFrame, type DeviceRef, type ScoreEvent } from '@premonitor/contracts';
import { InProcessBus, decodeEvent } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { writeWav } from '@premonitor/ml/data';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { createScoresApi } from '@premonitor/ingest';
import { Inference, buildAcousticReferenceModel, buildThermalReferenceModel, logistic, type InferenceSettings } from '@premonitor/inference';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });

function thermalFrame(seq: number, hottest: number, width = 32, height = 24): Uint8Array {
  const celsius = new Float32Array(width * height).fill(25);
  celsius[(seq * 7) % celsius.length] = hottest;
  return encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq * 100, seq, width, height, celsius });
}

function tone(seconds: number, rate: number, amplitude: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
}

function acousticFrame(seq: number, samples: Float32Array, rate: number): Uint8Array {
  const pcm = Int16Array.from(samples, (v) => Math.round(v * 32767));
  return encodeFrame({ kind: 'acoustic', ts: 1_700_000_000_000 + seq * 1000, seq, sampleRate: rate, samples: pcm });
}

const settings = (kind: 'acoustic' | 'thermal', maxUploadBytes: number): InferenceSettings => ({
  kind,
  batchSize: 16,
  batchMaxWaitMs: 5,
  ortThreads: 1,
  maxAckPending: 1_000,
  maxUploadBytes,
  deadLetterMaxBytes: 1_024,
  instanceId: 'test',
  retryDelayMs: 50,
});

describe('inference service (InProcessBus + PGlite)', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let bus: InProcessBus;
  let registry: ModelRegistry;
  let thermal: Inference;
  let acoustic: Inference;
  let thermalHttp: HttpServer;
  let acousticHttp: HttpServer;
  let thermalUrl: string;
  let acousticUrl: string;
  const events: ScoreEvent[] = [];

  const publish = (kind: 'acoustic' | 'thermal', ref: DeviceRef, seq: number, bytes: Uint8Array, dedup = true) =>
    bus.publish(busSubjects.frames.subject(kind, ref), bytes, dedup ? { msgId: deviceMessageId(ref, kind, seq) } : {});
  const scoresOf = (deviceId: string) =>
    handle.db.selectFrom('scores').selectAll().where('device_id', '=', deviceId).orderBy('seq').execute();

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pm-inference-'));
    handle = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dataDir, 'pg') });
    await migrate(handle, { schema: PLATFORM_SCHEMA });
    bus = new InProcessBus();
    await bus.start();
    await bus.consume({ stream: busSubjects.scores.stream, durable: 'test-scores', filterSubject: busSubjects.scores.wildcard }, (m) => {
      const decoded = decodeEvent('scores', m);
      assert.ok(decoded.ok, 'score events follow the contract');
      events.push(decoded.value);
      m.ack();
    });
    registry = new ModelRegistry({ db: handle.db, bus, store: new MemoryArtifactStore(), logger });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: 't-v1', centerCelsius: 60 }) });
    thermal = new Inference(settings('thermal', 16 * 1024), { db: handle, bus, logger, registry: createRegistry('thermal', false), models: registry });
    acoustic = new Inference(settings('acoustic', 100_000), { db: handle, bus, logger, registry: createRegistry('acoustic', false), models: registry });
    await Promise.all([thermal.start(), acoustic.start()]);
    thermalHttp = new HttpServer({ logger, registry: createRegistry('t-http', false), readiness: thermal.readiness, routers: [{ path: '/api/v1', router: thermal.router }], portSetting: 'HTTP_PORT' });
    // The scores read API is ingest's (it owns /api/v1/devices); served here beside acoustic inference over the same database.
    acousticHttp = new HttpServer({ logger, registry: createRegistry('a-http', false), readiness: acoustic.readiness, routers: [{ path: '/api/v1', router: acoustic.router }, { path: '/api/v1', router: createScoresApi(handle.db) }], portSetting: 'HTTP_PORT' });
    thermalUrl = `http://127.0.0.1:${await thermalHttp.start(0)}`;
    acousticUrl = `http://127.0.0.1:${await acousticHttp.start(0)}`;
  });

  after(async () => {
    await Promise.all([thermalHttp.stop(), acousticHttp.stop()]);
    await Promise.all([thermal.stop(), acoustic.stop()]);
    await bus.stop();
    await handle.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('scores frames from the bus, persisting and publishing each exactly once, redeliveries included', async () => {
    const ref = { site: 'plant-1', device: 'oven-1' };
    const hottest = [30, 55, 60, 65, 90];
    for (let seq = 1; seq <= 40; seq++) await publish('thermal', ref, seq, thermalFrame(seq, hottest[seq % 5]!));
    // The same frame stored twice by the bus (no dedup id): scored twice, kept once.
    await publish('thermal', ref, 7, thermalFrame(7, hottest[2]!), false);
    const rows = await waitFor('40 thermal scores', async () => ((await scoresOf('plant-1/oven-1')).length === 40 ? scoresOf('plant-1/oven-1') : undefined));
    await waitFor('the redelivered frame to be handled', () => thermal.stats.duplicates >= 1);
    for (const row of rows) {
      assert.ok(Math.abs(row.score - logistic(hottest[row.seq % 5]!, 60, 5)) < 1e-6, `seq ${row.seq}`);
      assert.equal(row.model_version, 't-v1');
      assert.ok(row.latency_ms !== null && row.latency_ms >= 0);
    }
    const mine = await waitFor('40 score events', () => {
      const list = events.filter((e) => e.device === 'oven-1');
      return list.length >= 40 ? list : undefined;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events.filter((e) => e.device === 'oven-1').length, 40, 'one event per frame');
    assert.deepEqual(new Set(mine.map((e) => e.seq)).size, 40);
    // The bounded store of recent frames (alert feedback): every frame at or above 0.5, and none of the
    // 16 normal ones (one in 50 by default), each with its wire bytes.
    const kept = await handle.db.selectFrom('recent_frames').select(['seq', 'why', 'payload']).where('device_id', '=', 'plant-1/oven-1').orderBy('seq').execute();
    assert.deepEqual(kept.map((k) => Number(k.seq)), rows.filter((r) => r.score >= 0.5).map((r) => Number(r.seq)));
    assert.ok(kept.length > 0 && kept.every((k) => k.why === 'high'));
    assert.deepEqual([...kept[0]!.payload], [...thermalFrame(Number(kept[0]!.seq), hottest[Number(kept[0]!.seq) % 5]!)]);

    // The read API the console charts: the same scores, newest first, by kind and window.
    const api = `${acousticUrl}/api/v1/devices/plant-1/oven-1/scores`;
    const all = (await (await fetch(`${api}?kind=thermal&limit=100`)).json()) as { items: { time: string; kind: string; score: number; modelVersion: string; seq: number }[]; truncated: boolean };
    assert.equal(all.items.length, 40, 'every kind is answered from the one scores table');
    assert.deepEqual(all.items.map((i) => i.time), [...all.items.map((i) => i.time)].sort().reverse(), 'newest first');
    const bySeq = new Map(rows.map((r) => [r.seq, r.score]));
    for (const item of all.items) assert.equal(item.score, bySeq.get(item.seq));
    const page = (await (await fetch(`${api}?kind=thermal&limit=5`)).json()) as { items: unknown[]; truncated: boolean };
    assert.deepEqual([page.items.length, page.truncated], [5, true]);
    const middle = all.items[20]!.time;
    const window = (await (await fetch(`${api}?from=${encodeURIComponent(middle)}&to=${encodeURIComponent(all.items[0]!.time)}`)).json()) as { items: unknown[] };
    assert.equal(window.items.length, 21);
    assert.equal(((await (await fetch(`${api}?kind=acoustic`)).json()) as { items: unknown[] }).items.length, 0);
    assert.equal((await fetch(`${api}?kind=sonar`)).status, 400);
    assert.equal((await fetch(`${api}?from=${encodeURIComponent(all.items[0]!.time)}&to=${encodeURIComponent(middle)}`)).status, 400, 'to before from');
  });

  it('dead-letters frames that fail validation, with the reason, and acknowledges them', async () => {
    const ref = { site: 'plant-1', device: 'bad-1' };
    await publish('thermal', ref, 1, new Uint8Array([1, 2, 3]));
    const truncated = thermalFrame(2, 40).subarray(0, 200);
    await publish('thermal', ref, 2, truncated);
    await publish('thermal', ref, 3, acousticFrame(3, tone(0.5, 16000, 0.1), 16000));
    const letters = await waitFor('3 dead letters', async () => {
      const list = await handle.db.selectFrom('dead_letters').selectAll().where('device_id', '=', 'plant-1/bad-1').orderBy('id').execute();
      return list.length === 3 ? list : undefined;
    });
    assert.match(letters[0]!.reason, /shorter than the 32-byte header/);
    assert.match(letters[1]!.reason, /payload/);
    assert.match(letters[2]!.reason, /does not match topic kind 'thermal'/);
    assert.equal(letters[0]!.topic, 'pm.frames.thermal.plant-1.bad-1');
    await new Promise((r) => setTimeout(r, 150));
    const again = await handle.db.selectFrom('dead_letters').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', 'plant-1/bad-1').executeTakeFirstOrThrow();
    assert.equal(Number(again.n), 3, 'acknowledged: not redelivered and recorded again');
    assert.equal((await scoresOf('plant-1/bad-1')).length, 0);
  });

  it('hot-swaps on promotion mid-stream: every frame scored once, by the old or the new model, never back', async () => {
    const ref = { site: 'plant-2', device: 'press-1' };
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: 't-v2', centerCelsius: 40 }) });
    const total = 400;
    for (let seq = 1; seq <= total; seq++) {
      await publish('thermal', ref, seq, thermalFrame(seq, 50));
      if (seq === 120) await registry.promote('thermal', 't-v2');
      if (seq % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const rows = await waitFor(`${total} scores`, async () => ((await scoresOf('plant-2/press-1')).length === total ? scoresOf('plant-2/press-1') : undefined), 20_000);
    assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: total }, (_, i) => i + 1), 'every frame exactly once');
    const firstNew = rows.findIndex((r) => r.model_version === 't-v2');
    assert.ok(firstNew > 0, 'some frames were scored by the old model');
    assert.ok(rows.slice(firstNew).every((r) => r.model_version === 't-v2'), 'versions are monotonic: no frame after the swap goes back to v1');
    for (const row of rows) assert.ok(Math.abs(row.score - logistic(50, row.model_version === 't-v1' ? 60 : 40, 5)) < 1e-6);
    const mine = await waitFor('events', () => {
      const list = events.filter((e) => e.device === 'press-1');
      return list.length >= total ? list : undefined;
    });
    assert.equal(new Set(mine.map((e) => e.seq)).size, total);
    assert.equal(thermal.modelVersion, 't-v2');
  });

  it('is not ready without a model, then loads the first one registered and scores audio of any rate and length', async () => {
    assert.equal(acoustic.modelVersion, undefined);
    assert.equal((await fetch(`${acousticUrl}/readyz`)).status, 503);
    const ref = { site: 'plant-3', device: 'pump-1' };
    await publish('acoustic', ref, 1, acousticFrame(1, tone(1, 16000, 0.3), 16000));
    const bytes = buildAcousticReferenceModel({ version: 'a-v1' });
    await registry.register({ kind: 'acoustic', bytes });
    await waitFor('the acoustic model', () => acoustic.modelVersion === 'a-v1');
    assert.equal((await fetch(`${acousticUrl}/readyz`)).status, 200);
    await publish('acoustic', ref, 2, acousticFrame(2, tone(1, 16000, 0.001), 16000));
    await publish('acoustic', ref, 3, acousticFrame(3, tone(1, 8000, 0.3), 8000));
    await publish('acoustic', ref, 4, acousticFrame(4, tone(3, 16000, 0.3), 16000));
    const rows = await waitFor('4 acoustic scores', async () => ((await scoresOf('plant-3/pump-1')).length === 4 ? scoresOf('plant-3/pump-1') : undefined));
    const session = await ort.InferenceSession.create(bytes);
    const pcm = Float32Array.from(Int16Array.from(tone(1, 16000, 0.3), (v) => Math.round(v * 32767)), (v) => v / 32768);
    const direct = (await session.run({ pcm: new ort.Tensor('float32', pcm, [1, 16000]) })).score!.data as Float32Array;
    await session.release();
    assert.ok(Math.abs(rows[0]!.score - direct[0]!) < 1e-6, 'the frame that waited for the model is scored as the bare model scores it');
    assert.ok(rows[1]!.score < rows[0]!.score, 'a quiet clip scores lower');
    assert.ok(Math.abs(rows[2]!.score - rows[0]!.score) < 0.05, 'an 8 kHz clip is resampled to what the model expects');
    assert.ok(Math.abs(rows[3]!.score - rows[0]!.score) < 0.01, 'a 3-s clip is scored as the mean of its windows');
  });

  it('scores an uploaded WAV, and answers 415, 413 and 400 for a wrong type, an oversized body and a broken file', async () => {
    await waitFor('the acoustic model', () => acoustic.modelVersion);
    const url = `${acousticUrl}/api/v1/inference/score`;
    const wav = writeWav(tone(1, 22050, 0.3), 22050);
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: wav });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { score: number; modelVersion: string; input: { sampleRate: number }; anomalous: boolean };
    assert.equal(body.modelVersion, 'a-v1');
    assert.equal(body.input.sampleRate, 22050);
    assert.ok(body.score > 0 && body.score < 1);
    assert.equal(typeof body.anomalous, 'boolean');
    const wrongType = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[[1]]' });
    assert.equal(wrongType.status, 415);
    assert.match(((await wrongType.json()) as { message: string }).message, /audio\/wav/);
    const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: writeWav(tone(4, 16000, 0.1), 16000) });
    assert.equal(big.status, 413);
    const garbage = await fetch(url, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new TextEncoder().encode('RIFF....WAVEjunkjunkjunk') });
    assert.equal(garbage.status, 400);
    assert.equal(((await garbage.json()) as { error: string }).error, 'invalid_wav');
  });

  it('scores an uploaded thermal matrix as JSON or CSV, resized to the model, and explains a malformed one', async () => {
    const url = `${thermalUrl}/api/v1/inference/score`;
    const matrix = Array.from({ length: 24 }, (_, y) => Array.from({ length: 32 }, (_, x) => (x === 5 && y === 5 ? 70 : 22)));
    const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(matrix) });
    assert.equal(json.status, 200);
    const scored = (await json.json()) as { score: number; modelVersion: string };
    assert.ok(Math.abs(scored.score - logistic(70, 40, 5)) < 1e-6);
    assert.equal(scored.modelVersion, 't-v2');
    const csv = Array.from({ length: 12 }, () => Array.from({ length: 16 }, () => '30').join(',')).join('\n');
    const fromCsv = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/csv; charset=utf-8' }, body: csv });
    assert.equal(fromCsv.status, 200);
    assert.ok(Math.abs(((await fromCsv.json()) as { score: number }).score - logistic(30, 40, 5)) < 1e-5);
    const ragged = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: '1,2,3\n4,5\n' });
    assert.equal(ragged.status, 400);
    assert.match(((await ragged.json()) as { message: string }).message, /row 2/);
    const wav = await fetch(url, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: new Uint8Array(10) });
    assert.equal(wav.status, 415);
  });
});
