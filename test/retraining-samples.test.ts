// Labelled samples in (issue 14): POST /api/v1/samples takes several files in one multipart
// request, validates each fully before anything is stored, stores the good ones (sha256 dedup)
// and names every refused file with its reason; GET /api/v1/samples lists them with counts.
// Both adapter pairs: PGlite, and a throwaway database on the real PostgreSQL. Real MIMII clips
// and thermal-ir images are uploaded when ../shared/data has them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { writeWav } from '@premonitor/ml/data';
import { FileArtifactStore } from '@premonitor/registry';
import { DEFAULT_SAMPLE_LIMITS, SampleIntake, createSampleRouter } from '@premonitor/retraining';
import { systemClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { Router } from 'express';

const logger = createLogger({ service: 'retraining-samples-test', level: 'silent' });
const shared = process.env.PM_SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data');
const LIMITS = { maxFileBytes: 4 * 1024 * 1024, maxFiles: 16, maxRequestBytes: 16 * 1024 * 1024 };

const tone = (rate: number, n: number, f = 7) => writeWav(Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin(i / f)), rate);

interface FileOutcome {
  file: string;
  status: number;
  duplicate?: boolean;
  error?: string;
  message?: string;
  sample?: { id: number; sha256: string; device: string | null; label: string; faultClass: string | null; uploadedBy: string };
}
interface UploadAnswer {
  stored: number;
  refused: number;
  files: FileOutcome[];
}

/** Stands in for the host's access control on this bare server: the actor it would take from the credential. */
const actingAs = Router().use((req, res, next) => {
  res.locals['actor'] = req.header('x-test-actor');
  next();
});

for (const mode of await busAndDatabaseModes('retrain-samples', logger)) {
  describe(`labelled sample uploads, ${mode.name}`, { skip: mode.skip }, () => {
    let pair: BusAndDatabase;
    let dir: string;
    let http: HttpServer;
    let url: string;

    const upload = async (parts: ([string, string] | [string, Uint8Array, string])[], user = 'engineer-1') => {
      const form = new FormData();
      for (const p of parts) {
        if (p.length === 2) form.append(p[0], p[1]);
        else form.append(p[0], new Blob([p[1]]), p[2]);
      }
      const res = await fetch(`${url}/api/v1/samples`, { method: 'POST', body: form, headers: { 'x-test-actor': user } });
      return { status: res.status, body: (await res.json()) as UploadAnswer };
    };
    const stored = async () => Number((await sql<{ n: number }>`select count(*)::int as n from samples`.execute(pair.db.db)).rows[0]!.n);
    const files = async () => {
      const root = join(dir, 'samples');
      if (!existsSync(root)) return 0;
      let n = 0;
      for (const sub of await readdir(root)) n += (await readdir(join(root, sub))).length;
      return n;
    };

    before(async () => {
      pair = await mode.open();
      dir = await mkdtemp(join(tmpdir(), 'pm-retrain-samples-'));
      await pair.db.db.insertInto('devices').values({ id: 'plant-1/fan-1', site: 'plant-1', device: 'fan-1', first_seen: new Date(), last_seen: new Date(), status_changed_at: new Date(), online: true }).execute();
      const intake = new SampleIntake({ db: pair.db.db, store: new FileArtifactStore(join(dir, 'samples')), limits: { ...DEFAULT_SAMPLE_LIMITS, maxFileBytes: LIMITS.maxFileBytes }, clock: systemClock, logger });
      http = new HttpServer({ logger, registry: createRegistry('retrain-samples', false), readiness: [], routers: [{ path: '/api/v1', router: actingAs }, { path: '/api/v1', router: createSampleRouter(intake, pair.db.db, LIMITS) }], portSetting: 'HTTP_PORT' });
      url = `http://127.0.0.1:${await http.start(0)}`;
    });

    after(async () => {
      await http?.stop();
      await pair?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('stores the good files of a bulk upload and names each refused file with its reason', async () => {
      const lying = tone(16_000, 500);
      new DataView(lying.buffer).setUint32(40, 1_000_000, true);
      const { status, body } = await upload([
        ['kind', 'acoustic'], ['label', 'normal'], ['site', 'plant-1'], ['device', 'fan-1'],
        ['file', tone(16_000, 16_000), 'good-1.wav'],
        ['file', tone(16_000, 16_000).subarray(0, 40), 'truncated.wav'],
        ['file', lying, 'lying-header.wav'],
        ['label', 'anomalous'], ['faultClass', 'bearing_wear'],
        ['file', tone(44_100, 20_000, 3), 'good-2.wav'],
        ['label', 'broken'],
        ['file', tone(16_000, 1_000, 5), 'unknown-label.wav'],
      ]);
      assert.equal(status, 207, JSON.stringify(body));
      assert.deepEqual(body.files.map((f) => [f.file, f.status]), [['good-1.wav', 201], ['truncated.wav', 400], ['lying-header.wav', 400], ['good-2.wav', 201], ['unknown-label.wav', 400]]);
      assert.match(body.files[2]!.message!, /data chunk declares 1000000 bytes/);
      assert.match(body.files[4]!.message!, /^label:/);
      assert.deepEqual([body.files[3]!.sample!.label, body.files[3]!.sample!.faultClass, body.files[3]!.sample!.device, body.files[3]!.sample!.uploadedBy], ['anomalous', 'bearing_wear', 'plant-1/fan-1', 'engineer-1']);
      assert.equal(await stored(), 2);
      assert.equal(await files(), 2, 'nothing of a refused file was stored');
    });

    it('recognises a file already stored (sha256) and does not store it twice', async () => {
      const before = await stored();
      const { status, body } = await upload([['kind', 'acoustic'], ['label', 'normal'], ['file', tone(16_000, 16_000), 'again.wav']]);
      assert.equal(status, 200);
      assert.equal(body.files[0]!.duplicate, true);
      assert.equal(await stored(), before);
    });

    it('refuses a sample for an unknown device (404), an image of the wrong size (422) and a 2 GB upload (413), storing nothing', async () => {
      const [rows, onDisk] = [await stored(), await files()];
      const unknown = await upload([['kind', 'acoustic'], ['label', 'normal'], ['site', 'plant-1'], ['device', 'nobody'], ['file', tone(16_000, 800, 2), 'x.wav']]);
      assert.deepEqual([unknown.status, unknown.body.files[0]!.error], [404, 'unknown_device']);
      const thin = await upload([['kind', 'thermal'], ['label', 'normal'], ['file', new TextEncoder().encode('1,2,3\n4,5,6\n'), 'tiny.csv']]);
      assert.deepEqual([thin.status, thin.body.files[0]!.error], [422, 'frame_size']);
      const big = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${url}/api/v1/samples`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(2 * 1024 ** 3) } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write('--x\r\n');
      });
      assert.equal(big.status, 413);
      assert.match(big.body, /2147483648 bytes; the limit is 16777216/);
      assert.deepEqual([await stored(), await files()], [rows, onDisk]);
      assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the service keeps running');
    });

    it('imports a folder laid out as normal/ and anomalous/<fault class>/ with the CLI, naming the file it refuses', async () => {
      const folder = join(dir, 'collection');
      await mkdir(join(folder, 'normal'), { recursive: true });
      await mkdir(join(folder, 'anomalous', 'loose_belt'), { recursive: true });
      await writeFile(join(folder, 'normal', 'a.wav'), tone(16_000, 3_000, 11));
      await writeFile(join(folder, 'normal', 'b.wav'), tone(16_000, 3_000, 13));
      await writeFile(join(folder, 'anomalous', 'loose_belt', 'c.wav'), tone(16_000, 3_000, 17));
      await writeFile(join(folder, 'anomalous', 'loose_belt', 'broken.wav'), tone(16_000, 3_000, 19).subarray(0, 30));
      // Asynchronously: the CLI talks to the server in this process.
      const r = await promisify(execFile)(process.execPath, ['services/retraining/dist/cli.js', 'import', folder, '--kind', 'acoustic', '--batch', '2'], { env: { PATH: process.env.PATH ?? '', RETRAINING_URL: url }, encoding: 'utf8' }).then(
        (ok) => ({ ...ok, status: 0 }),
        (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
      );
      assert.equal(r.status, 1, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim()), { files: 4, stored: 3, duplicates: 0, refused: 1 });
      assert.match(r.stderr, /refused .*broken\.wav \(400\): not a readable WAV file/);
      const list = (await (await fetch(`${url}/api/v1/samples?kind=acoustic`)).json()) as { counts: { label: string; faultClass: string | null; count: number }[] };
      assert.ok(list.counts.some((c) => c.faultClass === 'loose_belt' && c.count === 1));
    });

    it('stores real MIMII clips (one channel of eight) and real thermal-ir images, and counts them', { skip: existsSync(join(shared, 'acoustic-mimii')) && existsSync(join(shared, 'thermal-ir')) ? false : `no real data under ${shared}` }, async () => {
      const clip = new Uint8Array(await readFile(join(shared, 'acoustic-mimii', 'fan_abnormal.wav')));
      const clipAnswer = await upload([['kind', 'acoustic'], ['label', 'anomalous'], ['channel', '3'], ['site', 'plant-1'], ['device', 'fan-1'], ['file', clip, 'fan_abnormal.wav']]);
      assert.equal(clipAnswer.status, 201, JSON.stringify(clipAnswer.body));
      const meta = JSON.parse(await readFile(join(shared, 'thermal-ir', 'module_metadata.json'), 'utf8')) as Record<string, { image_filepath: string; anomaly_class: string }>;
      const picks = Object.values(meta).filter((m) => m.anomaly_class === 'Hot-Spot').slice(0, 3);
      const parts: ([string, string] | [string, Uint8Array, string])[] = [['kind', 'thermal'], ['label', 'anomalous'], ['faultClass', 'Hot-Spot']];
      for (const p of picks) parts.push(['file', new Uint8Array(await readFile(join(shared, 'thermal-ir', p.image_filepath))), p.image_filepath]);
      const images = await upload(parts);
      assert.equal(images.status, 201, JSON.stringify(images.body));
      const list = (await (await fetch(`${url}/api/v1/samples?kind=thermal&label=anomalous`)).json()) as { total: number; counts: { faultClass: string; count: number }[]; items: unknown[] };
      assert.equal(list.total, 3);
      assert.deepEqual(list.counts.map((c) => [c.faultClass, c.count]), [['Hot-Spot', 3]]);
      const byDevice = (await (await fetch(`${url}/api/v1/samples?site=plant-1&device=fan-1`)).json()) as { total: number };
      assert.equal(byDevice.total, 3);
    });
  });
}
