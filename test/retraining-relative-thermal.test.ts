// The `relative` fallback of a thermal retraining run (issue 14; models/README.md thermal-ir "One
// thermal kind, two kinds of input"): the shipped recipe's level channel reads 8-bit levels, so a
// run whose samples are 16-bit images or °C matrices trains without it. Real infrared images of
// ../shared/data/thermal-ir, converted to 16-bit PNG (levels × 257) and a few to °C CSV matrices,
// are uploaded; a quick run trains, and its candidate says `thermal_input: relative` (metadata and
// lineage), and the real inference with it as production scores a 16-bit image and a °C matrix
// (both of which the shipped `levels` model refuses: test/thermal-images.test.ts). PGlite +
// in-process bus; skipped without the data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Inference } from '@premonitor/inference';
import { createLogger } from '@premonitor/log';
import { decodeThermalImage } from '@premonitor/ml/data';
import { readScoringMetadata } from '@premonitor/ml/scoring';
import { openRetrainingRig, type RetrainingRig } from './support/retraining-rig.js';

const logger = createLogger({ service: 'retraining-relative-test', level: 'silent' });
const shared = process.env.PM_SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data');
const thermalIr = join(shared, 'thermal-ir');
const skip = existsSync(join(thermalIr, 'module_metadata.json')) ? false : `no real thermal images under ${thermalIr}`;

/** A real 8-bit image as a 16-bit grey PNG: the same scene, levels × 257 (0…65535). */
function as16Bit(jpeg: Uint8Array): Uint8Array {
  const image = decodeThermalImage(jpeg);
  return encodePng({ width: image.width, height: image.height, data: Uint16Array.from(image.intensity, (v) => Math.round(v * 257)), channels: 1, depth: 16 });
}

/** A real 8-bit image as a °C matrix (CSV): 20 °C at level 0, 0.2 °C per level. */
function asCelsiusCsv(jpeg: Uint8Array): Uint8Array {
  const image = decodeThermalImage(jpeg);
  const rows: string[] = [];
  for (let y = 0; y < image.height; y++) rows.push(Array.from(image.intensity.subarray(y * image.width, (y + 1) * image.width), (v) => (20 + 0.2 * v).toFixed(1)).join(','));
  return new TextEncoder().encode(rows.join('\n'));
}

describe('a thermal run on 16-bit images and °C matrices trains a relative model (no level channel)', { skip, timeout: 900_000 }, () => {
  let dir: string;
  let rig: RetrainingRig;
  let jpegs: Uint8Array[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-retrain-relative-'));
    rig = await openRetrainingRig(dir, { name: 'retrain-relative', logger, heldOutFraction: 0.3 });
    const { upload } = rig;
    const meta = Object.values(JSON.parse(await readFile(join(thermalIr, 'module_metadata.json'), 'utf8')) as Record<string, { image_filepath: string; anomaly_class: string }>);
    const images = async (cls: string, n: number) => Promise.all(meta.filter((m) => m.anomaly_class === cls).slice(0, n).map(async (m) => ({ name: m.image_filepath, bytes: new Uint8Array(await readFile(join(thermalIr, m.image_filepath))) })));
    const [normal, hot] = [await images('No-Anomaly', 30), await images('Hot-Spot', 14)];
    jpegs = [normal[0]!.bytes, hot[0]!.bytes];
    // Mostly 16-bit images; 4 normal and 2 hot-spot samples as °C matrices.
    await upload({ kind: 'thermal', label: 'normal' }, normal.slice(4).map((f) => ({ name: f.name.replace(/\.jpg$/, '.png'), bytes: as16Bit(f.bytes) })));
    await upload({ kind: 'thermal', label: 'normal' }, normal.slice(0, 4).map((f) => ({ name: f.name.replace(/\.jpg$/, '.csv'), bytes: asCelsiusCsv(f.bytes) })));
    await upload({ kind: 'thermal', label: 'anomalous', faultClass: 'Hot-Spot' }, hot.slice(2).map((f) => ({ name: f.name.replace(/\.jpg$/, '.png'), bytes: as16Bit(f.bytes) })));
    await upload({ kind: 'thermal', label: 'anomalous', faultClass: 'Hot-Spot' }, hot.slice(0, 2).map((f) => ({ name: f.name.replace(/\.jpg$/, '.csv'), bytes: asCelsiusCsv(f.bytes) })));
  });

  after(async () => {
    await rig?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a candidate without the level channel that says thermal_input relative, and inference with it scores 16-bit images and °C matrices', async () => {
    const { db, bus, registry } = rig;
    const { status, body: run } = await rig.startRun({ kind: 'thermal', reason: 'relative fallback', quick: true, epochs: 2 });
    assert.equal(status, 202, JSON.stringify(run));
    const done = await rig.ended(run.id, 600_000);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const result = done.result as { candidate: string; promoted: boolean };
    assert.equal(result.promoted, true, JSON.stringify(done.result));

    // The contract, in the model file and in the registry's record of its lineage.
    const loaded = await registry.loadProduction('thermal');
    assert.equal(loaded?.record.version, result.candidate);
    const scoring = readScoringMetadata(loaded!.bytes, 'thermal');
    assert.equal(scoring.thermalInput, 'relative');
    const model = await db.db.selectFrom('models').select('metadata').where('kind', '=', 'thermal').where('version', '=', result.candidate).executeTakeFirstOrThrow();
    const metadata = model.metadata as { lineage: { settings: Record<string, unknown> } };
    assert.equal(metadata.lineage.settings['level_channel'], false);

    // The real inference, this model in production: a 16-bit image and a °C matrix score.
    const inference = new Inference(
      { kind: 'thermal', batchSize: 8, batchMaxWaitMs: 5, ortThreads: 1, maxAckPending: 100, maxUploadBytes: 1 << 20, deadLetterMaxBytes: 1_024, instanceId: 'relative-1', deliverPolicy: 'new' },
      { db, bus, logger, registry: createRegistry('relative-inference', false), models: registry },
    );
    await inference.start();
    const server = new HttpServer({ logger, registry: createRegistry('relative-http', false), readiness: [], routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
    const scoreUrl = `http://127.0.0.1:${await server.start(0)}/api/v1/inference/thermal/score`;
    try {
      const post = async (type: string, body: Uint8Array) => {
        const r = await fetch(scoreUrl, { method: 'POST', headers: { 'content-type': type }, body });
        return { status: r.status, body: (await r.json()) as { score: number; modelVersion: string; input: Record<string, number> } };
      };
      const scores: number[] = [];
      for (const jpeg of jpegs) {
        const image = await post('image/png', as16Bit(jpeg));
        assert.equal(image.status, 200, JSON.stringify(image.body));
        assert.deepEqual([image.body.modelVersion, image.body.input['bitDepth']], [result.candidate, 16]);
        const matrix = await post('text/csv', asCelsiusCsv(jpeg));
        assert.equal(matrix.status, 200, JSON.stringify(matrix.body));
        assert.equal(matrix.body.modelVersion, result.candidate);
        for (const s of [image.body.score, matrix.body.score]) assert.ok(s >= 0 && s <= 1, `score ${s}`);
        scores.push(image.body.score, matrix.body.score);
      }
      assert.ok(new Set(scores).size > 1, `the scores depend on the frame: ${scores.join(', ')}`);
    } finally {
      await server.stop();
      await inference.stop();
    }
  });
});
