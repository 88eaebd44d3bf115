// Thermal images in (issue 13): thermal frames on the bus (frame encoding 3) and the thermal
// score upload take greyscale PNG (8/16-bit) and JPEG (8-bit) with an optional temperature range. A real infrared module image of
// ../shared/data/thermal-ir (skipped when absent) and a generated 8-bit PNG are scored by the
// shipped thermal-ir model (`levels` input: the image's own 8-bit levels, no scale needed), which
// refuses a 16-bit image and a temperature scale with the reason; the °C scene model asks for the
// scale (422) and scores the image once given one; bad images are refused with the reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodePng } from 'fast-png';
import { busSubjects, deviceMessageId, encodeFrame, type ScoreEvent } from '@premonitor/contracts';
import { decodeEvent } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { waitFor } from './support/wait.js';
import { HttpServer, createRegistry } from '@premonitor/http';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, type InferenceSettings } from '@premonitor/inference';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';

const logger = createLogger({ service: 'thermal-image-uploads-test', level: 'silent' });
const models = fileURLToPath(new URL('../../models/', import.meta.url));
const realImages = join(process.env['PM_SHARED_DATA_DIR'] ?? fileURLToPath(new URL('../../../shared/data', import.meta.url)), 'thermal-ir', 'images');
const [embedded] = await busAndDatabaseModes('thermal-images', logger);

/** A 40 × 24 16-bit grey PNG: a gentle gradient with a 4 × 4 hot block. */
function generatedPng(): Uint8Array {
  const width = 24;
  const height = 40;
  const data = Uint16Array.from({ length: width * height }, (_, i) => 20_000 + 40 * (i % width) + 20 * Math.floor(i / width));
  for (let y = 18; y < 22; y++) for (let x = 10; x < 14; x++) data[y * width + x] = 60_000;
  return encodePng({ width, height, data, channels: 1, depth: 16 });
}

/** The same scene as an 8-bit grey PNG at this data set's levels (a module around 150), with or without the hot block. */
function generated8BitPng(hot = true): Uint8Array {
  const width = 24;
  const height = 40;
  const data = Uint8Array.from({ length: width * height }, (_, i) => 130 + (i % width) + Math.floor(i / width) / 2);
  if (hot) for (let y = 18; y < 22; y++) for (let x = 10; x < 14; x++) data[y * width + x] = 250;
  return encodePng({ width, height, data, channels: 1, depth: 8 });
}

interface Answer {
  score: number;
  error?: string;
  message?: string;
  modelVersion: string;
  input: Record<string, number>;
}

describe('thermal image uploads (InProcessBus + PGlite)', () => {
  const opened: { platform: BusAndDatabase; inference: Inference; http: HttpServer; url: string }[] = [];
  const events: ScoreEvent[] = [];
  /** Starts a thermal inference service whose production model is the shipped `file`; resolves with its score URL. */
  const serve = async (file: string): Promise<string> => {
    const platform = await embedded!.open();
    const registry = new ModelRegistry({ db: platform.db.db, bus: platform.bus, store: new MemoryArtifactStore(), logger });
    await registry.register({ kind: 'thermal', bytes: new Uint8Array(await readFile(join(models, file))) });
    const settings: InferenceSettings = { kind: 'thermal', batchSize: 8, batchMaxWaitMs: 5, ortThreads: 1, maxAckPending: 100, maxUploadBytes: 1 << 20, deadLetterMaxBytes: 1_024, instanceId: `img-${opened.length}`, deliverPolicy: 'new' };
    await platform.bus.consume({ stream: busSubjects.scores.stream, durable: `img-scores-${opened.length}`, filterSubject: 'pm.scores.thermal.>', deliverPolicy: 'new' }, (m) => {
      const decoded = decodeEvent('scores', m);
      if (decoded.ok) events.push(decoded.value);
      m.ack();
    });
    const inference = new Inference(settings, { db: platform.db, bus: platform.bus, logger, registry: createRegistry(`img-${opened.length}`, false), models: registry });
    await inference.start();
    const http = new HttpServer({ logger, registry: createRegistry(`img-http-${opened.length}`, false), readiness: [], routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
    const url = `http://127.0.0.1:${await http.start(0)}/api/v1/inference/thermal/score`;
    opened.push({ platform, inference, http, url });
    return url;
  };
  const post = async (url: string, type: string, body: Uint8Array, query = ''): Promise<{ status: number; body: Answer }> => {
    const res = await fetch(`${url}${query}`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  let irModel: string;
  let celsius: string;

  before(async () => {
    irModel = await serve('thermal-ir.onnx');
    celsius = await serve('thermal.onnx');
  });

  after(async () => {
    for (const o of opened) {
      await o.http.stop();
      await o.inference.stop();
      await o.platform.stop();
    }
  });

  it('scores a real 8-bit infrared JPEG with the thermal-ir model, no temperature scale needed', { skip: existsSync(realImages) ? false : `no ${realImages}` }, async () => {
    const image = new Uint8Array(readFileSync(join(realImages, '0.jpg')));
    const { status, body } = await post(irModel, 'image/jpeg', image);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.input, { width: 24, height: 40, bitDepth: 8 });
    assert.ok(body.score >= 0 && body.score <= 1, `score ${body.score}`);
  });

  it('scores a generated 8-bit PNG, and the hot block raises the score over the same image without it', async () => {
    const hot = await post(irModel, 'image/png', generated8BitPng());
    assert.equal(hot.status, 200, JSON.stringify(hot.body));
    assert.equal(hot.body.input['bitDepth'], 8);
    const cool = await post(irModel, 'image/png', generated8BitPng(false));
    assert.equal(cool.status, 200);
    assert.ok(hot.body.score > cool.body.score, `hot ${hot.body.score} > plain ${cool.body.score}`);
  });

  it('the thermal-ir model reads 8-bit levels: a 16-bit image is refused with the reason, a temperature scale is not applied', async () => {
    const sixteen = await post(irModel, 'image/png', generatedPng());
    assert.equal(sixteen.status, 400, JSON.stringify(sixteen.body));
    assert.match(sixteen.body.message ?? '', /reads 8-bit levels \(0–255\)/);
    const plain = await post(irModel, 'image/png', generated8BitPng());
    const scaled = await post(irModel, 'image/png', generated8BitPng(), '?minC=15&maxC=90');
    assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    assert.equal(scaled.body.input['scaleIgnored'], 1, 'the response says the scale was not applied');
    assert.equal(scaled.body.score, plain.body.score, 'scored on the image\'s own levels, as without the scale');
  });

  it('the °C scene model needs the temperature range (422 naming it) and scores the image with one', async () => {
    const png = generatedPng();
    const without = await post(celsius, 'image/png', png);
    assert.equal(without.status, 422);
    assert.equal(without.body.error, 'temperature_scale_required');
    assert.match(without.body.message ?? '', /minC=&maxC=/);
    const scaled = await post(celsius, 'image/png', png, '?minC=15&maxC=90');
    assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    assert.ok(scaled.body.score >= 0 && scaled.body.score <= 1);
    assert.equal((await post(celsius, 'image/png', png, '?minC=90&maxC=15')).status, 400, 'an inverted range');
    assert.equal((await post(celsius, 'image/png', png, '?minC=20')).status, 400, 'minC without maxC');
    const implausible = await post(celsius, 'image/png', png, '?minC=0&maxC=5000');
    assert.deepEqual([implausible.status, implausible.body.error], [422, 'invalid_temperature_scale']);
  });

  it('scores thermal image frames from the bus, and dead-letters a broken image with the reason', async () => {
    const { platform } = opened[0]!;
    const ref = { site: 'img', device: 'cam-1' };
    const publish = (seq: number, image: Uint8Array, scale?: { minC: number; maxC: number }) =>
      platform.bus.publish(busSubjects.frames.subject('thermal', ref), encodeFrame({ kind: 'thermal', ts: 1_700_000_000_000 + seq * 1_000, seq, width: 24, height: 40, image, ...(scale ? { scale } : {}) }), { msgId: deviceMessageId(ref, 'thermal', seq) });
    const png = generated8BitPng();
    await publish(1, png);
    await publish(2, generated8BitPng(false));
    // A PNG cut short: the codec sees its signature, the scorer cannot decode it.
    await publish(3, png.subarray(0, png.length - 40));
    // The same image with a temperature scale: the levels model reads its levels and scores it as frame 1.
    await publish(4, png, { minC: 15, maxC: 90 });
    const scored = await waitFor('three score events', () => (events.filter((e) => e.device === 'cam-1').length >= 3 ? events.filter((e) => e.device === 'cam-1') : undefined), 30_000);
    assert.deepEqual(scored!.map((e) => e.seq).sort(), [1, 2, 4]);
    assert.ok(scored!.every((e) => e.score >= 0 && e.score <= 1));
    assert.equal(scored!.find((e) => e.seq === 4)!.score, scored!.find((e) => e.seq === 1)!.score);
    const dead = await waitFor('the broken image dead-lettered', async () => {
      const rows = await platform.db.db.selectFrom('dead_letters').select(['reason', 'device_id']).where('device_id', '=', 'img/cam-1').execute();
      return rows.length > 0 ? rows : undefined;
    }, 30_000);
    assert.match(dead![0]!.reason, /thermal image/);
  });

  it('refuses colour, truncated, oversized and non-image bodies with the reason', async () => {
    const colour = encodePng({ width: 4, height: 4, data: Uint8Array.from({ length: 48 }, (_, i) => (i % 3 === 0 ? 200 : 10)), channels: 3, depth: 8 });
    const c = await post(irModel, 'image/png', colour);
    assert.deepEqual([c.status, c.body.error], [400, 'invalid_image']);
    assert.match(c.body.message ?? '', /colour/);
    const png = generatedPng();
    const t = await post(irModel, 'image/png', png.subarray(0, png.length - 40));
    assert.deepEqual([t.status, t.body.error], [400, 'invalid_image']);
    // A small file that declares a 5000 × 5000 image: refused from its header.
    const huge = Uint8Array.from(png.subarray(0, 64));
    new DataView(huge.buffer).setUint32(16, 5_000);
    new DataView(huge.buffer).setUint32(20, 5_000);
    const h = await post(irModel, 'image/png', huge);
    assert.deepEqual([h.status, h.body.error], [422, 'upload_limit']);
    const n = await post(irModel, 'image/jpeg', new TextEncoder().encode('not an image'));
    assert.deepEqual([n.status, n.body.error], [400, 'invalid_image']);
  });
});
