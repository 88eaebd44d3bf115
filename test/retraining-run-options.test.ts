// Run options over HTTP (issue 14): `POST /api/v1/retraining/runs` with `trainDevices` and
// `invertLabels` — wrong types and unknown devices are 400 with the reason; devices that give
// the kind no training data (no samples of the kind, all held out, or a class the kind needs
// missing) are 422 naming them and the kind, before any run row or lease exists; a valid run
// records both in its params and its candidate's lineage, and the training process got them
// (the classes it trained on are inverted, only those devices' samples). Real infrared images
// (../shared/data/thermal-ir), embedded database (PGlite); skipped with a message without the data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@premonitor/log';
import { writeWav } from '@premonitor/ml/data';
import { trainingSetOf } from '@premonitor/retraining';
import { openRetrainingRig, type RetrainingRig } from './support/retraining-rig.js';

const logger = createLogger({ service: 'retraining-run-options-test', level: 'silent' });
const shared = process.env.PM_SHARED_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data');
const thermalIr = join(shared, 'thermal-ir');
const skip = existsSync(join(thermalIr, 'module_metadata.json')) ? false : `no real thermal images under ${thermalIr}`;
const HELD_OUT = 0.3;

/** Device names (`plant/<prefix>-n`) that the runner's split puts on `side`. */
function devicesOn(side: 'train' | 'heldOut', prefix: string, n: number): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < n; i++) {
    const device = `plant/${prefix}-${i}`;
    const set = trainingSetOf([{ id: 1, sha256: '', label: 'normal', faultClass: null, device, format: null, channel: null }], { kind: 'thermal', heldOutFraction: HELD_OUT, splitSeed: 1, shuffleLabels: false, invertLabels: false });
    if (set[side].length === 1) found.push(device);
  }
  return found;
}

describe('retraining run options over HTTP (trainDevices, invertLabels)', { skip, timeout: 600_000 }, () => {
  const [mixedA, mixedB, normalOnly, empty] = devicesOn('train', 'cam', 4) as [string, string, string, string];
  const [heldOutDevice] = devicesOn('heldOut', 'cam', 1) as [string];
  const [mic] = devicesOn('train', 'mic', 1) as [string];
  let dir: string;
  let rig: RetrainingRig;
  const upload: RetrainingRig['upload'] = (fields, files) => rig.upload(fields, files);
  const startRun = (body: unknown) => rig.startRun(body);
  const runRows = async () => (await rig.db.db.selectFrom('retraining_runs').select(['id', 'status']).execute()).length;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-retrain-options-'));
    rig = await openRetrainingRig(dir, { name: 'retrain-options', logger, heldOutFraction: HELD_OUT });
    const now = new Date();
    for (const id of [mixedA, mixedB, normalOnly, empty, heldOutDevice, mic]) {
      const [site, device] = id.split('/') as [string, string];
      await rig.db.db.insertInto('devices').values({ id, site, device, first_seen: now, last_seen: now, status_changed_at: now, online: true }).execute();
    }

    // Thermal: two training devices and a held-out one with both labels (10 normal, 3 Hot-Spot, 3 Cell each), one training device with normal images only.
    const meta = Object.values(JSON.parse(await readFile(join(thermalIr, 'module_metadata.json'), 'utf8')) as Record<string, { image_filepath: string; anomaly_class: string }>);
    const images = (cls: string) => meta.filter((m) => m.anomaly_class === cls).map((m) => m.image_filepath);
    const [normal, hot, cell] = [images('No-Anomaly'), images('Hot-Spot'), images('Cell')];
    const take = async (list: string[], n: number) => Promise.all(list.splice(0, n).map(async (p) => ({ name: p, bytes: new Uint8Array(await readFile(join(thermalIr, p))) })));
    for (const id of [mixedA, mixedB, heldOutDevice]) {
      const [site, device] = id.split('/') as [string, string];
      await upload({ kind: 'thermal', label: 'normal', site, device }, await take(normal, 10));
      await upload({ kind: 'thermal', label: 'anomalous', faultClass: 'Hot-Spot', site, device }, await take(hot, 3));
      await upload({ kind: 'thermal', label: 'anomalous', faultClass: 'Cell', site, device }, await take(cell, 3));
    }
    await upload({ kind: 'thermal', label: 'normal', site: 'plant', device: normalOnly.split('/')[1]! }, await take(normal, 6));
    // Acoustic: enough labelled clips of one microphone for a run (distinct noise per clip).
    const clip = (i: number) => ({ name: `clip-${i}.wav`, bytes: writeWav(Float32Array.from({ length: 16_000 }, (_, t) => 0.1 * Math.sin(t * (0.01 + i * 0.001))), 16_000) });
    await upload({ kind: 'acoustic', label: 'normal', site: 'plant', device: mic.split('/')[1]! }, Array.from({ length: 16 }, (_, i) => clip(i)));
    await upload({ kind: 'acoustic', label: 'anomalous', site: 'plant', device: mic.split('/')[1]! }, Array.from({ length: 6 }, (_, i) => clip(100 + i)));
  });

  after(async () => {
    await rig?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 400 with the reason for wrongly typed options and unknown devices, and starts nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'thermal', reason: 'r', trainDevices: mixedA }, /^trainDevices: /],
      [{ kind: 'thermal', reason: 'r', trainDevices: [] }, /^trainDevices: /],
      [{ kind: 'thermal', reason: 'r', trainDevices: ['no slash'] }, /^trainDevices\.0: must be site\/device/],
      [{ kind: 'thermal', reason: 'r', invertLabels: 'yes' }, /^invertLabels: /],
      [{ kind: 'thermal', reason: 'r', trainDevices: [mixedA, 'plant/no-such-device'] }, /unknown devices plant\/no-such-device$/],
    ];
    for (const [body, reason] of cases) {
      const res = await startRun(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.message ?? '', reason, JSON.stringify(body));
    }
    assert.equal(await runRows(), 0);
  });

  it('refuses (422, naming the devices and the kind) trainDevices that leave the kind without training data, before any run row or lease', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      // A known device without samples of the kind.
      [{ kind: 'thermal', trainDevices: [empty] }, new RegExp(`^a thermal run with trainDevices ${empty} has no training data: no labelled samples of this kind from ${empty}$`)],
      // A device whose samples are all in the held-out share.
      [{ kind: 'thermal', trainDevices: [heldOutDevice] }, new RegExp(`^a thermal run with trainDevices ${heldOutDevice} has no training data: ${heldOutDevice} fall in the held-out share`)],
      // Training data, but only normal images: the thermal classifier needs anomalous ones.
      [{ kind: 'thermal', trainDevices: [normalOnly] }, new RegExp(`^a thermal run needs anomalous training samples; the 6 training samples of trainDevices ${normalOnly} are all normal$`)],
      // The same with inverted labels: then it has no normal ones.
      [{ kind: 'thermal', trainDevices: [normalOnly], invertLabels: true }, /^a thermal run needs normal training samples; .* have none \(labels inverted\)$/],
      // Every kind: acoustic samples exist, but none from this device.
      [{ kind: 'acoustic', trainDevices: [mixedA] }, new RegExp(`^an acoustic run with trainDevices ${mixedA} has no training data`)],
    ];
    for (const [options, reason] of cases) {
      const res = await startRun({ reason: 'narrow', quick: true, ...options });
      assert.deepEqual([res.status, res.body.error], [422, 'no_training_data'], JSON.stringify(res.body));
      assert.match(res.body.message ?? '', reason);
    }
    assert.equal(await runRows(), 0, 'no run row: nothing running, no lease taken');
  });

  it('records trainDevices and invertLabels in the run and its candidate\'s lineage, and the training process trains on those devices with inverted labels', async () => {
    const { status, body: run } = await startRun({ kind: 'thermal', reason: 'inverted, two devices', quick: true, epochs: 1, trainDevices: [mixedA, mixedB], invertLabels: true });
    assert.equal(status, 202, JSON.stringify(run));
    const params = run.params as { trainDevices: string[]; invertLabels: boolean; trainSamples: number; samples: number };
    assert.deepEqual([params.trainDevices, params.invertLabels, params.trainSamples, params.samples], [[mixedA, mixedB], true, 32, 54]);
    // The kind's lease is held: a second run is 409.
    assert.equal((await startRun({ kind: 'thermal', reason: 'again' })).status, 409);
    const done = await rig.ended(run.id, 300_000);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    const candidate = (done.result as { candidate: string }).candidate;
    const model = await rig.db.db.selectFrom('models').select('metadata').where('kind', '=', 'thermal').where('version', '=', candidate).executeTakeFirstOrThrow();
    const lineage = (model.metadata as { lineage: { settings: Record<string, unknown>; samples: { train: number; held_out: number; train_classes: Record<string, number> } } }).lineage;
    assert.deepEqual([lineage.settings['inverted_labels'], lineage.settings['train_devices']], [true, [mixedA, mixedB]]);
    // What the training process did with them: 32 images of the two devices (not the normal-only
    // device's 6), the 12 anomalous ones taught as normal and the 20 normal ones as anomalous.
    assert.deepEqual([lineage.samples.train, lineage.samples.held_out, lineage.samples.train_classes], [32, 16, { normal: 12, anomalous: 20 }]);
  });
});
