// Bounded work per upload (issue 11): the score upload refuses what it should not decode —
// the 200 kB WAV declaring 100 Hz, a 4 MiB one, lying headers, oversized thermal
// matrices — from the header, before any decoding (the decode histogram does not move), with
// 413/422 naming the limit and the value; /healthz keeps answering meanwhile. Valid uploads at
// the limits are decoded in the worker threads and scored. InProcessBus + PGlite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { writeWav } from '@premonitor/ml/data';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, buildAcousticReferenceModel, buildThermalReferenceModel, type InferenceSettings } from '@premonitor/inference';
import { waitFor } from './support/wait.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'inference-uploads-test', level: 'silent' });
const MAX_UPLOAD = 4 * 1024 * 1024;

/** A 16-bit mono WAV of `samples` samples at `rate` Hz (a tone, so a scored one is not silence). */
function wav(rate: number, samples: number): Uint8Array {
  return writeWav(Float32Array.from({ length: samples }, (_, i) => 0.1 * Math.sin(i / 7)), rate);
}

/** `bytes` with a little-endian field of the canonical 44-byte header overwritten: a header that lies. */
function lie(bytes: Uint8Array, field: 'channels' | 'rate' | 'blockAlign' | 'dataBytes', value: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field === 'channels') view.setUint16(22, value, true);
  else if (field === 'rate') view.setUint32(24, value, true);
  else if (field === 'blockAlign') view.setUint16(32, value, true);
  else view.setUint32(40, value, true);
  return bytes;
}

interface Refusal {
  error: string;
  message: string;
  limit?: string;
  value?: number;
  allowed?: string;
}

describe('upload limits (InProcessBus + PGlite)', () => {
  let dir: string;
  let db: DatabaseHandle;
  let bus: InProcessBus;
  const services: { inference: Inference; http: HttpServer; metrics: ReturnType<typeof createRegistry>; url: string }[] = [];
  let acoustic: (typeof services)[number];
  let thermal: (typeof services)[number];

  const settings = (kind: 'acoustic' | 'thermal'): InferenceSettings => ({
    kind,
    batchSize: 8,
    batchMaxWaitMs: 5,
    ortThreads: 1,
    maxAckPending: 100,
    maxUploadBytes: MAX_UPLOAD,
    deadLetterMaxBytes: 1_024,
    instanceId: 'uploads',
    uploadConcurrency: 1,
  });
  const post = (to: (typeof services)[number], type: string, body: Uint8Array | string) =>
    fetch(`${to.url}/api/v1/inference/${to === acoustic ? 'acoustic' : 'thermal'}/score`, { method: 'POST', headers: { 'content-type': type }, body });
  const decodes = async (to: (typeof services)[number]) => Number(/pm_inference_upload_decode_seconds_count\{[^}]*\} (\d+)/.exec(await to.metrics.metrics())?.[1] ?? 0);
  const refused = async (res: Response, status: number): Promise<Refusal> => {
    const body = (await res.json()) as Refusal;
    assert.equal(res.status, status, JSON.stringify(body));
    return body;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-uploads-'));
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await migrate(db, { schema: PLATFORM_SCHEMA });
    bus = new InProcessBus();
    await bus.start();
    const registry = new ModelRegistry({ db: db.db, bus, store: new MemoryArtifactStore(), logger });
    await registry.register({ kind: 'acoustic', bytes: buildAcousticReferenceModel({ version: 'a-1' }) });
    await registry.register({ kind: 'thermal', bytes: buildThermalReferenceModel({ version: 't-1' }) });
    for (const kind of ['acoustic', 'thermal'] as const) {
      const metrics = createRegistry(`uploads-${kind}`, false);
      const inference = new Inference(settings(kind), { db, bus, logger, registry: metrics, models: registry });
      await inference.start();
      const http = new HttpServer({ logger, registry: metrics, readiness: [], routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
      services.push({ inference, http, metrics, url: `http://127.0.0.1:${await http.start(0)}` });
    }
    [acoustic, thermal] = services as [(typeof services)[number], (typeof services)[number]];
  });

  after(async () => {
    for (const s of services) {
      await s.http.stop();
      await s.inference.stop();
    }
    await bus.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses the issue's 200 kB WAV declaring 100 Hz from its header, naming the limit, while /healthz answers", async (t) => {
    const before = await decodes(acoustic);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const health = Array.from({ length: 5 }, () => fetch(`${acoustic.url}/healthz`).then((r) => r.status));
    const body = await refused(await post(acoustic, 'audio/wav', wav(100, 100_000)), 422);
    loop.disable();
    assert.deepEqual([body.error, body.limit, body.value, body.allowed], ['upload_limit', 'sample_rate', 100, '8000–96000 Hz']);
    assert.match(body.message, /sample rate 100 Hz is outside the allowed 8000–96000 Hz/);
    assert.deepEqual(await Promise.all(health), [200, 200, 200, 200, 200]);
    assert.equal(await decodes(acoustic), before, 'refused before any decoding was attempted');
    t.diagnostic(`event-loop delay during the upload: max ${(loop.max / 1e6).toFixed(1)} ms`);
  });

  it('refuses a 4 MiB WAV by rate or by duration without decoding it, and a larger one by size (413)', async () => {
    const before = await decodes(acoustic);
    const at100Hz = await refused(await post(acoustic, 'audio/wav', wav(100, (MAX_UPLOAD - 44) / 2)), 422);
    assert.deepEqual([at100Hz.limit, at100Hz.value], ['sample_rate', 100]);
    const long = await refused(await post(acoustic, 'audio/wav', wav(16_000, (MAX_UPLOAD - 44) / 2)), 422);
    assert.deepEqual([long.limit, long.value, long.allowed], ['duration', 131.071, 'at most 10 s']);
    const twelveChannels = lie(lie(wav(16_000, 16_000 * 12), 'channels', 12), 'blockAlign', 24);
    const tooMany = await refused(await post(acoustic, 'audio/wav', twelveChannels), 422);
    assert.deepEqual([tooMany.limit, tooMany.value], ['channels', 12]);
    const big = await refused(await post(acoustic, 'audio/wav', wav(16_000, MAX_UPLOAD / 2)), 413);
    assert.deepEqual([big.error, big.limit, big.value], ['upload_too_large', 'size', MAX_UPLOAD + 44]);
    assert.equal(await decodes(acoustic), before);
  });

  it('refuses lying headers as unreadable (400): data larger than the file, zero rate, odd block align', async () => {
    const lying = await refused(await post(acoustic, 'audio/wav', lie(wav(16_000, 500), 'dataBytes', 1_000_000)), 400);
    assert.match(lying.message, /data chunk declares 1000000 bytes but only 1000 follow/);
    const zero = await refused(await post(acoustic, 'audio/wav', lie(wav(16_000, 500), 'rate', 0)), 400);
    assert.match(zero.message, /0 Hz/);
    assert.match((await refused(await post(acoustic, 'audio/wav', lie(wav(16_000, 500), 'blockAlign', 3)), 400)).message, /block align 3/);
  });

  it('decodes valid uploads at the limits in the worker threads and scores them', async () => {
    const before = await decodes(acoustic);
    for (const rate of [96_000, 8_000]) {
      const res = await post(acoustic, 'audio/wav', writeWav(Float32Array.from({ length: rate * 10 }, (_, i) => 0.2 * Math.sin((2 * Math.PI * 440 * i) / rate)), rate));
      const body = (await res.json()) as { score: number; modelVersion: string; input: { sampleRate: number; samples: number } };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual([body.modelVersion, body.input.sampleRate, body.input.samples], ['a-1', rate, rate * 10]);
      assert.ok(body.score >= 0 && body.score <= 1);
    }
    assert.equal(await decodes(acoustic), before + 2);
  });

  it('bounds thermal matrices: dimensions (422), non-finite values and lying JSON sizes (400)', async () => {
    const wide = await refused(await post(thermal, 'text/csv', Array.from({ length: 2 }, () => Array.from({ length: 1_100 }, () => '25').join(',')).join('\n')), 422);
    assert.deepEqual([wide.limit, wide.value], ['width', 1_100]);
    const cells = await refused(await post(thermal, 'text/csv', Array.from({ length: 600 }, () => Array.from({ length: 600 }, () => '2').join(',')).join('\n')), 422);
    assert.deepEqual([cells.limit, cells.value], ['cells', 360_000]);
    assert.match((await refused(await post(thermal, 'text/csv', '25,NaN\n25,25'), 400)).message, /not a finite number/);
    assert.match((await refused(await post(thermal, 'application/json', '{"width": 1000000, "height": 1000000, "data": []}'), 400)).message, /data has 0 values/);
    const ok = await post(thermal, 'application/json', JSON.stringify(Array.from({ length: 24 }, () => Array.from({ length: 32 }, () => 25))));
    assert.equal(ok.status, 200);
  });

  it('answers 429 while the upload limit is in use, and 413 for a chunked body that grows too large', async () => {
    // An upload whose body is still arriving holds the one slot (UPLOAD_CONCURRENCY=1 here).
    const port = Number(new URL(acoustic.url).port);
    const slow = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/inference/acoustic/score', headers: { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' } });
    const slowAnswer = new Promise<number>((resolve, reject) => slow.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
    slow.write(Buffer.alloc(1_024));
    await waitFor('the slow upload admitted', async () => /pm_inference_uploads_in_progress\{[^}]*\} 1\b/.test(await acoustic.metrics.metrics()));
    const busy = await refused(await post(acoustic, 'audio/wav', writeWav(new Float32Array(16_000), 16_000)), 429);
    assert.equal(busy.error, 'too_many_uploads');
    assert.match(busy.message, /the limit is 1/);
    // Then the slow body goes beyond the size limit: cut off with 413, and the slot is free again.
    slow.end(Buffer.alloc(MAX_UPLOAD));
    assert.equal(await slowAnswer, 413);
    const after = await post(acoustic, 'audio/wav', writeWav(new Float32Array(16_000), 16_000));
    assert.equal(after.status, 200);
  });
});
