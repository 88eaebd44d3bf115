// npm run bench -- retrain [--kinds thermal,acoustic] [--normal 1000] [--anomalous 1000] [--epochs 10] [--clips 1000] [--isolation process|thread] [--full-corpus] [--bad-candidate valve|inverted|<machine>]
// Real-data retraining of the thermal kind (../shared/data/thermal-ir, or PM_SHARED_DATA_DIR):
// labelled images uploaded through POST /api/v1/samples (the first 100 one per request for the
// latency, the rest 50 per request), a run trained in its worker thread and judged by the gate
// against the shipped thermal-ir.onnx as champion (the baseline, scored on the same held-out
// images in the same run), then a run on shuffled labels that the gate must refuse. Meanwhile a
// scoring probe runs the champion on one image every 20 ms on the main thread, against its
// idle p99 measured first. The acoustic case (bench/support/retrain-acoustic.ts) does the same
// with --clips real MIMII clips (the quick generated corpus; --full-corpus: the full one) and a
// third, quick run for a bad candidate (--bad-candidate: one machine's healthy clips only, or
// inverted labels); the rollout case (bench/support/retrain-rollout.ts) forces that candidate in. PGlite + in-process bus in this process. Last line: one JSON object.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase } from '@premonitor/db';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { FileArtifactStore, ModelRegistry } from '@premonitor/registry';
import { DEFAULT_SAMPLE_LIMITS, RetrainingRunner, SampleIntake, createRunRouter, createSampleRouter, type RunRecord, type TrainIsolation } from '@premonitor/retraining';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { percentile, round } from '@premonitor/testkit';
import { systemClock } from '@premonitor/time';
import { acousticCase } from './support/retrain-acoustic.js';
import { rolloutCase } from './support/retrain-rollout.js';
import { formatThreadCpu, measureThreadCpu } from './support/thread-cpu.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({ options: { kinds: { type: 'string', default: 'thermal,acoustic' }, clips: { type: 'string', default: '1000' }, normal: { type: 'string', default: '1000' }, anomalous: { type: 'string', default: '1000' }, epochs: { type: 'string', default: '10' }, isolation: { type: 'string', default: 'process' }, 'full-corpus': { type: 'boolean', default: false }, 'bad-candidate': { type: 'string', default: 'valve' } } });
if (args.isolation !== 'process' && args.isolation !== 'thread') throw new Error(`--isolation is process or thread, not ${args.isolation}`);
const data = join(process.env.PM_SHARED_DATA_DIR ?? join(root, '..', 'shared', 'data'), 'thermal-ir');
const logger = createLogger({ service: 'bench-retrain', level: 'warn' });
const kinds = new Set(args.kinds.split(','));

const meta = JSON.parse(await readFile(join(data, 'module_metadata.json'), 'utf8')) as Record<string, { image_filepath: string; anomaly_class: string }>;
const normal = Object.values(meta).filter((m) => m.anomaly_class === 'No-Anomaly').slice(0, Number(args.normal));
const anomalousAll = Object.values(meta).filter((m) => m.anomaly_class !== 'No-Anomaly');
// Every anomaly class in its share of the data set, up to --anomalous images.
const anomalous = anomalousAll.filter((_, i) => i % Math.max(1, Math.floor(anomalousAll.length / Number(args.anomalous))) === 0).slice(0, Number(args.anomalous));

const dir = await mkdtemp(join(tmpdir(), 'pm-bench-retrain-'));
const db = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'pg') });
await migrate(db, { schema: PLATFORM_SCHEMA });
const bus = new InProcessBus();
await bus.start();
const registry = new ModelRegistry({ db: db.db, bus, store: new FileArtifactStore(join(dir, 'models')), logger });
const championBytes = new Uint8Array(await readFile(join(root, 'models', 'thermal-ir.onnx')));
await registry.register({ kind: 'thermal', bytes: championBytes });
const intake = new SampleIntake({ db: db.db, store: new FileArtifactStore(join(dir, 'samples')), limits: DEFAULT_SAMPLE_LIMITS, clock: systemClock, logger });
const runner = new RetrainingRunner({ db: db.db, registry, sampleStoreDir: join(dir, 'samples'), logger, clock: systemClock, owner: 'bench:1', isolation: args.isolation as TrainIsolation, leaseMs: 60_000, renewMs: 2_000, heldOutFraction: 0.3, minSamples: 20, scoreReference: { bins: 10, alertScore: 0.85 }, gate: () => ({ main: 'auc', guarded: ['auc', 'recall_at_fpr5'], floor: { auc: 0.7 }, tolerance: 0.02, minGain: 0.005 }) });
runner.start();
const routers = [createSampleRouter(intake, db.db, { maxFileBytes: 1 << 20, maxFiles: 100, maxRequestBytes: 64 << 20 }), createRunRouter(runner, db.db, new FileArtifactStore(join(dir, 'samples')))].map((router) => ({ path: '/api/v1', router }));
const http = new HttpServer({ logger, registry: createRegistry('bench-retrain', false), readiness: [], routers, portSetting: 'HTTP_PORT' });
const url = `http://127.0.0.1:${await http.start(0)}`;

// The scoring probe: the thermal champion on one image, on this thread (both cases), idle first.
const session = await ort.InferenceSession.create(championBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const frame = new ort.Tensor('float32', new Float32Array(40 * 24).map((_, i) => (i * 37) % 255), [1, 40, 24]);
const feeds = Object.fromEntries(session.inputNames.map((n) => [n, n === 'frame' ? frame : new ort.Tensor('float32', new Float32Array(0), [0])]));
const scoreOnce = async () => {
  const t = performance.now();
  await session.run({ frame: feeds.frame! });
  return performance.now() - t;
};
// Idle: after a warm-up (onnxruntime's and V8's first runs are slow and would inflate the idle
// p99), the same loop as during a run (score, ask the API for a run, wait 20 ms) for 10 s.
for (let i = 0; i < 100; i++) await scoreOnce();
// The loop's earlier idle figure, back to back with nothing between, for comparison only.
const backToBack: number[] = [];
for (let i = 0; i < 200; i++) backToBack.push(await scoreOnce());
const idle: number[] = [];
for (const idleUntil = performance.now() + 10_000; performance.now() < idleUntil; ) {
  idle.push(await scoreOnce());
  await (await fetch(`${url}/api/v1/retraining/runs/0`)).arrayBuffer();
  await new Promise((r) => setTimeout(r, 20));
}
console.log(`scoring probe idle p99: ${round(percentile(idle, 99), 2)} ms (${idle.length}, score + API call + 20 ms pause); back to back ${round(percentile(backToBack, 99), 2)} ms (200); load average ${loadavg().map((l) => round(l, 1)).join(' ')}`);
/** Starts a run and probes scoring every 20 ms until it ends. */
const runOnce = async (body: Record<string, unknown>) => {
  const res = await fetch(`${url}/api/v1/retraining/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const run = (await res.json()) as RunRecord;
  if (res.status !== 202) throw new Error(`run answered ${res.status}: ${JSON.stringify(run)}`);
  const busy: number[] = [];
  let rss = 0;
  // Why the probe slows: how long the event loop was blocked, and which threads took the CPU.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const threadCpu = measureThreadCpu();
  console.log(`  run ${run.id} started; RSS of this process ${round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  for (;;) {
    busy.push(await scoreOnce());
    rss = Math.max(rss, process.memoryUsage().rss);
    const now = (await (await fetch(`${url}/api/v1/retraining/runs/${run.id}`)).json()) as RunRecord;
    if (now.status !== 'running') {
      loopDelay.disable();
      const trainingRss = (now.result as { training_rss_max_mib?: number } | null)?.training_rss_max_mib;
      console.log(`  run ${run.id}: training process peak RSS ${trainingRss ?? 'n/a'} MiB (${args.isolation}); probe p99 ${round(percentile(busy, 99), 2)} ms over ${busy.length}; event-loop delay p99 ${round(loopDelay.percentile(99) / 1e6, 2)} ms, max ${round(loopDelay.max / 1e6, 1)} ms; RSS max ${round(rss / 2 ** 20)} MiB`);
      console.log(`  run ${run.id} CPU by thread: ${formatThreadCpu(threadCpu())}`);
      return { run: now, busy, rss: args.isolation === 'thread' ? rss : rss + (trainingRss ?? 0) * 2 ** 20 };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};
const thermal = kinds.has('thermal') ? await thermalCase() : undefined;
const acoustic = kinds.has('acoustic') ? await acousticCase({ db: db.db, registry, url, root, sharedData: join(data, '..'), clips: Number(args.clips), fullCorpus: args['full-corpus'], badCandidate: args['bad-candidate'], runOnce, idle }) : undefined;
// The rollout case needs the acoustic case's bad candidate and its healthy clips.
const rollout = acoustic ? await rolloutCase({ db, bus, registry, logger, site: 'mimii', badVersion: acoustic.badVersion, clips: acoustic.liveClips }) : undefined;

/** The thermal case: uploads, a run, a shuffled-labels run, the probe meanwhile. */
async function thermalCase() {
  // Uploads.
  const items = [...normal.map((m) => ({ m, label: 'normal' })), ...anomalous.map((m) => ({ m, label: 'anomalous' }))];
  const upload = async (batch: typeof items) => {
    const form = new FormData();
    form.append('kind', 'thermal');
    for (const { m, label } of batch) {
      form.append('label', label);
      form.append('faultClass', label === 'normal' ? '' : m.anomaly_class);
      form.append('file', new Blob([await readFile(join(data, m.image_filepath))]), m.image_filepath);
    }
    const res = await fetch(`${url}/api/v1/samples`, { method: 'POST', body: form });
    if (res.status >= 300) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  };
  const shuffled = items.map((x, i) => ({ x, k: (i * 7919) % items.length })).sort((a, b) => a.k - b.k).map((p) => p.x);
  const latencies: number[] = [];
  const uploadStart = performance.now();
  for (const item of shuffled.slice(0, 100)) {
    const t = performance.now();
    await upload([item]);
    latencies.push(performance.now() - t);
  }
  for (let i = 100; i < shuffled.length; i += 50) await upload(shuffled.slice(i, i + 50));
  const uploadS = (performance.now() - uploadStart) / 1000;
  const lastUploadAt = performance.now();
  console.log(`uploads: ${items.length} images (${normal.length} normal, ${anomalous.length} anomalous) in ${round(uploadS, 1)} s = ${round(items.length / uploadS, 1)} samples/s; single-file request p50 ${round(percentile(latencies, 50), 1)} ms, p99 ${round(percentile(latencies, 99), 1)} ms`);


  interface Result { train_s: number; promoted: boolean; gate: { reasons: string[] }; evaluation: { heldOut: { samples: number }; candidate: { auc: number; recall_at_fpr5: number }; champion?: { auc: number }; report: { hotspot: { recall_at_fpr5: number; images: number }; per_class: Record<string, { auc: number; images: number }> } } }
  const first = await runOnce({ kind: 'thermal', reason: 'bench: labelled real infrared images', epochs: Number(args.epochs) });
  if (first.run.status !== 'succeeded') throw new Error(`run failed: ${first.run.error}`);
  const e2eS = (performance.now() - lastUploadAt) / 1000;
  const r1 = first.run.result as unknown as Result;
  console.log(`run 1: ${first.run.status} in ${round(r1.train_s, 1)} s (trained in its worker); held-out ${r1.evaluation.heldOut.samples} images; AUC champion (shipped thermal-ir.onnx) ${r1.evaluation.champion?.auc ?? 'n/a'} → candidate ${r1.evaluation.candidate.auc}; hot-spot recall at 5 % FPR ${r1.evaluation.report.hotspot.recall_at_fpr5} (${r1.evaluation.report.hotspot.images} images); promoted ${r1.promoted}`);
  for (const [cls, m] of Object.entries(r1.evaluation.report.per_class)) console.log(`  ${cls}: AUC ${m.auc} (${m.images} images)`);
  console.log(`  gate: ${r1.gate.reasons.join('; ')}`);
  await new Promise((r) => setTimeout(r, 1_100));
  const second = await runOnce({ kind: 'thermal', reason: 'bench: shuffled labels', epochs: Number(args.epochs), shuffleLabels: true });
  const r2 = second.run.result as unknown as Result;
  console.log(`run 2 (shuffled labels): candidate AUC ${r2.evaluation.candidate.auc}; promoted ${r2.promoted}; ${r2.gate.reasons.join('; ')}`);
  const busy = [...first.busy, ...second.busy];
  const p99Idle = percentile(idle, 99);
  const p99Busy = percentile(busy, 99);
  console.log(`scoring probe (champion, 1 image, main thread): idle p99 ${round(p99Idle, 2)} ms (${idle.length}), during runs p99 ${round(p99Busy, 2)} ms (${busy.length}); RSS max during runs ${round(Math.max(first.rss, second.rss) / 2 ** 20)} MiB`);
  return { e2eS, r1, r2, uploadPerS: round(items.length / uploadS, 1), uploadP99: round(percentile(latencies, 99), 1), ratio: round(p99Busy / p99Idle, 2), rss: round(Math.max(first.rss, second.rss) / 2 ** 20) };
}

await runner.stop();
await http.stop();
await bus.stop();
await db.close();
await rm(dir, { recursive: true, force: true });
// The keys: the acoustic case's figures where the issue speaks of the acoustic retrain
// (e2e, train, AUC before/after, the probe), the thermal case's for its own keys.
const main = acoustic ?? thermal;
console.log(JSON.stringify({
  bench: 'retrain',
  e2e_s: main ? round(main.e2eS, 1) : null,
  train_s: main ? round(main.r1.train_s, 1) : null,
  auc_before: main?.r1.evaluation.champion?.auc ?? null,
  auc_after: main?.r1.evaluation.candidate.auc ?? null,
  gate_refused_worse: main ? !main.r2.promoted && (thermal ? !thermal.r2.promoted : true) : null,
  rolled_back_bad: rollout?.rolledBack ?? null,
  rollback_s: rollout?.rollbackS ?? null,
  rollout_bad_gate_refused: acoustic ? !acoustic.badPromoted : null,
  thermal_auc: thermal?.r1.evaluation.candidate.auc ?? null,
  hotspot_recall_at_fpr5: thermal?.r1.evaluation.report.hotspot.recall_at_fpr5 ?? null,
  upload_per_s: main?.uploadPerS ?? null,
  scoring_p99_ratio: main?.ratio ?? null,
  acoustic_clips: acoustic?.clips ?? null,
  acoustic_promoted: acoustic?.r1.promoted ?? null,
  thermal_promoted: thermal?.r1.promoted ?? null,
  thermal_scoring_p99_ratio: thermal?.ratio ?? null,
  upload_p99_ms: main?.uploadP99 ?? null,
  rss_max_mib: main?.rss ?? null,
}));
