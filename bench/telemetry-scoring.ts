// npm run bench -- telemetry-scoring [--shared-data <dir>] [--seconds 3] [--families pca,conv-ae,auto]
// The telemetry-scoring service's scorer (services/telemetry-scoring) on the SKAB rig, in one run:
// 1. quality: each valve1 experiment replayed message by message through a DeviceTracker with the
//    service's defaults (enroll on the first 400 rows, PCA T²+Q over 20 steps, threshold 0.5),
//    a point flagged after 3 windows in a row above it (fusion's telemetry-anomaly rule);
//    outlier F1, false and missed alarm rates over the scored rows, per file and overall, for
//    each model family of TELEMETRY_DEVICE_MODEL (pca, conv-ae, auto; the fit the service runs
//    in its worker is awaited in place here);
// 2. speed: windows scored per second by the streaming WindowScorer (one row in, one score out),
//    beside the batch float64 reference `pcaWindowErrors` on the same windows (the baseline);
//    a conv-AE device as the service scores it (its ONNX graph, one run per message) beside the
//    in-process scorer, CPU per window;
// 3. edge: the same models' ONNX graphs in the edge agent's DeviceTelemetryModel (one message in:
//    resampled, windowed, one onnxruntime run on one intra-op thread): milliseconds per window,
//    wall clock p50/p99 and CPU per window.
// Wall-clock figures are noisy on a shared host: the load average is printed. Last line: JSON.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeviceTelemetryModel } from '@premonitor/edge-agent/agent';
import { createLogger } from '@premonitor/log';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { pcaWindowErrors } from '@premonitor/ml';
import { useTfjsBackend } from '@premonitor/ml/training';
import { DEFAULT_DEVICE_MODEL_OPTIONS, DeviceTracker, loadGraph, WindowScorer, type DeviceModel, type DeviceModelFamily, type PcaDeviceModel, type TrackerOutcome } from '@premonitor/telemetry-scoring';
import type { TelemetryModelScorer } from '@premonitor/ml/scoring';
import { fitDeviceModelOf } from '@premonitor/telemetry-scoring/fit';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({ options: { 'shared-data': { type: 'string', default: process.env['PM_SHARED_DATA_DIR'] ?? resolve(root, '../shared/data') }, seconds: { type: 'string', default: '3' }, families: { type: 'string', default: 'pca,conv-ae,auto' } } });
const dir = resolve(args['shared-data']!, 'skab/valve1');
const seconds = Number(args.seconds);
if (!existsSync(dir) || !(seconds > 0)) {
  console.error(`usage: npm run bench -- telemetry-scoring [--shared-data <dir>] [--seconds S>0]; ${dir} must exist`);
  process.exit(2);
}
console.log(`telemetry-scoring: ${dir}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on a shared host (timings are noisy)`);

const RUN = 3;
const ENROLL = 400;
const families = args.families!.split(',').map((f) => f.trim()) as DeviceModelFamily[];
if (families.some((f) => !['pca', 'conv-ae', 'auto'].includes(f))) {
  console.error(`--families: a comma-separated list of pca, conv-ae, auto; got ${args.families}`);
  process.exit(2);
}
if (families.some((f) => f !== 'pca')) await useTfjsBackend('wasm');
const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort((a, b) => parseInt(a) - parseInt(b));
let lastModel: { model: PcaDeviceModel; rows: number[][] } | undefined;
let lastConvAe: { model: DeviceModel; rows: number[][] } | undefined;
const summary: Record<string, { f1: number; far: number; mar: number; fit_s: number; chosen?: Record<string, number> }> = {};
for (const family of families) {
  const settings = { stepMs: 0, discoveryMessages: 10, maxGapSteps: 5, enrollRows: ENROLL, maxSensors: 32, model: DEFAULT_DEVICE_MODEL_OPTIONS, family };
  let [tp, fp, fn, tn] = [0, 0, 0, 0];
  let fitMs = 0;
  const chosen: Record<string, number> = {};
  console.log(`TELEMETRY_DEVICE_MODEL=${family}`);
  for (const file of files) {
    const [header, ...lines] = readFileSync(resolve(dir, file), 'utf8').trim().split('\n');
    const sensors = header!.split(';').slice(1, 9);
    const rows = lines.map((l) => l.split(';').slice(1, 9).map(Number));
    const labels = lines.map((l) => Number(l.split(';')[9]));
    const tracker = new DeviceTracker({ site: 'skab', device: file }, settings, () => 0);
    const flags = new Map<number, number>();
    let streak = 0;
    let model: DeviceModel | undefined;
    let graph: TelemetryModelScorer | undefined;
    let validation = '';
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const out = tracker.observe(1_600_000_000_000 + i * 1000, i, Object.fromEntries(sensors.map((s, k) => [s, r[k]!])));
      if (out.enrolled) model = out.enrolled.model;
      if (out.fit) {
        // What the service's worker does, awaited here: the replay stands still while the model is fitted.
        const t = performance.now();
        const fitted = await fitDeviceModelOf(family, out.fit.keys, out.fit.rows, out.fit.stepMs);
        fitMs += performance.now() - t;
        tracker.install(out.fit.token, fitted.model);
        // As the service does: a conv-AE device is scored by its graph.
        const loaded = await loadGraph(fitted.model);
        if (typeof loaded === 'string') throw new Error(`${file}: ${loaded}`);
        if (loaded) {
          await graph?.release();
          graph = loaded;
          tracker.scoreByGraph();
        }
        model = fitted.model;
        if (fitted.choice) validation = `  ${fitted.choice.reason}`;
      }
      for (const s of await scored(out, graph)) {
        streak = s.score.score > 0.5 ? streak + 1 : 0;
        flags.set(Math.round((s.ts - 999 - 1_600_000_000_000) / 1000), streak >= RUN ? 1 : 0);
      }
    }
    // Scored rows: after enrollment, as SKAB's protocol scores the rest of each experiment.
    let [a, b, c, d] = [0, 0, 0, 0];
    for (let i = ENROLL; i < rows.length; i++) {
      const f = flags.get(i) ?? 0;
      if (f && labels[i]) a++;
      else if (f) b++;
      else if (labels[i]) c++;
      else d++;
    }
    [tp, fp, fn, tn] = [tp + a, fp + b, fn + c, tn + d];
    const f1 = (2 * a) / (2 * a + b + c);
    if (model) chosen[model.family] = (chosen[model.family] ?? 0) + 1;
    console.log(`  ${file.padStart(6)}  ${(model?.family ?? 'none').padEnd(7)}  sensors ${model?.sensors.length ?? 0}  F1 ${f1.toFixed(3)}  FAR ${((100 * b) / Math.max(1, b + d)).toFixed(1)} %  MAR ${((100 * c) / Math.max(1, a + c)).toFixed(1)} %${validation}`);
    if (model?.family === 'pca-t2q') lastModel = { model, rows };
    if (model?.family === 'conv-ae') lastConvAe = { model, rows };
    await graph?.release();
  }
  const f1 = (2 * tp) / (2 * tp + fp + fn);
  const far = fp / (fp + tn);
  const mar = fn / (fn + tp);
  console.log(`valve1 overall ${family} (${files.length} files): outlier F1 ${f1.toFixed(3)}, FAR ${(100 * far).toFixed(1)} %, MAR ${(100 * mar).toFixed(1)} %, models chosen ${JSON.stringify(chosen)}, fitting ${(fitMs / 1000).toFixed(1)} s  (SKAB published: Conv-AE F1 0.78–0.79, PCA T²+Q 0.67–0.76)`);
  summary[family] = { f1: +f1.toFixed(3), far: +far.toFixed(3), mar: +mar.toFixed(3), fit_s: +(fitMs / 1000).toFixed(1), ...(family === 'auto' ? { chosen } : {}) };
}
/** A tracker outcome's scores; a graph-scored device's windows scored as the service does (one run per message). */
async function scored(out: TrackerOutcome, graph: TelemetryModelScorer | undefined): Promise<TrackerOutcome['scores']> {
  if (!out.windows) return out.scores;
  const scores = await graph!.scores(out.windows.map((w) => w.values));
  return [...out.scores, ...out.windows.map((w, i) => ({ ts: w.ts, seq: w.seq, score: scores[i]! }))];
}

/** Windows per CPU-second of a conv-AE device fed its rows message by message, as the service scores it (`graph`) or in process. */
async function convAeSpeed(m: DeviceModel, rows: readonly (readonly number[])[], graph: boolean): Promise<number> {
  const settings = { stepMs: 1000, discoveryMessages: 10, maxGapSteps: 5, enrollRows: ENROLL, maxSensors: 32, model: DEFAULT_DEVICE_MODEL_OPTIONS };
  const tracker = new DeviceTracker({ site: 'bench', device: 'speed' }, settings, () => 0, { model: m, version: 'bench', stepMs: 1000, readyAt: 0 });
  const loaded = graph ? await loadGraph(m) : undefined;
  if (typeof loaded === 'string') throw new Error(loaded);
  if (loaded) tracker.scoreByGraph();
  const messages = rows.map((r) => Object.fromEntries(m.keys.map((k, i) => [k, r[i]!])));
  let n = 0;
  let step = 0;
  const deadline = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  while (performance.now() < deadline) for (const readings of messages) n += (await scored(tracker.observe(1_600_000_000_000 + step * 1000, step++, readings), loaded)).length;
  const cpu = process.cpuUsage(cpu0);
  await loaded?.release();
  return n / ((cpu.user + cpu.system) / 1e6);
}

// A conv-AE device as the service scores it (tracker → its graph in onnxruntime, one thread, one run per message)
// and in process (the fallback, plain JS), on the last experiment it scored: windows per CPU-second.
let convAePerS: number | undefined;
let convAeInProcessPerS: number | undefined;
let convAeBatchPerS: Record<string, number> | undefined;

/** What batching would buy: the graph alone on the experiment's windows, `scores` of 1, 16 and 64 windows per run, windows per CPU-second. */
async function graphBatchSpeed(m: DeviceModel, rows: readonly (readonly number[])[]): Promise<Record<string, number>> {
  const graph = await loadGraph(m);
  if (!graph || typeof graph === 'string') throw new Error(String(graph));
  const cols = m.sensors.map((s) => m.keys.indexOf(s));
  const windows: Float32Array[] = [];
  for (let e = m.windowSteps; e <= rows.length; e++) windows.push(Float32Array.from(rows.slice(e - m.windowSteps, e).flatMap((r) => cols.map((c) => r[c]!))));
  const out: Record<string, number> = {};
  for (const batch of [1, 16, 64]) {
    let n = 0;
    const deadline = performance.now() + (seconds * 1000) / 3;
    const cpu0 = process.cpuUsage();
    while (performance.now() < deadline) for (let i = 0; i + batch <= windows.length; i += batch) n += (await graph.scores(windows.slice(i, i + batch))).length;
    const cpu = process.cpuUsage(cpu0);
    out[`batch_${batch}`] = Math.round(n / ((cpu.user + cpu.system) / 1e6));
  }
  await graph.release();
  return out;
}
if (lastConvAe) {
  convAePerS = await convAeSpeed(lastConvAe.model, lastConvAe.rows, true);
  convAeInProcessPerS = await convAeSpeed(lastConvAe.model, lastConvAe.rows, false);
  convAeBatchPerS = await graphBatchSpeed(lastConvAe.model, lastConvAe.rows);
  console.log(`speed (${lastConvAe.model.sensors.length} sensors, window ${lastConvAe.model.windowSteps}): conv-AE device, tracker + ONNX graph ${Math.round(convAePerS)} windows per CPU-second (${(1000 / convAePerS).toFixed(3)} ms CPU a window); in process (fallback) ${Math.round(convAeInProcessPerS)} (${(1000 / convAeInProcessPerS).toFixed(3)} ms); the graph alone, windows per CPU-second by windows per run ${JSON.stringify(convAeBatchPerS)}; load average ${loadavg()[0]!.toFixed(1)}`);
}

/** Edge scoring of one window: the model's ONNX graph in the agent's DeviceTelemetryModel, one message (one new window) at a time. */
async function edgeWindowMs(label: string, m: DeviceModel, rows: readonly (readonly number[])[]): Promise<{ p50: number; p99: number; cpu: number } | undefined> {
  if (!m.onnx) return undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'pm-edge-telemetry-bench-'));
  const edge = new DeviceTelemetryModel({ dir: tmp, logger: createLogger({ service: 'bench', level: 'silent' }) });
  try {
    await edge.start();
    await edge.install(m.onnx);
    const times: number[] = [];
    let step = 0;
    const deadline = performance.now() + seconds * 1000;
    const cpu0 = process.cpuUsage();
    while (performance.now() < deadline) {
      for (const r of rows) {
        const t = performance.now();
        const out = await edge.observe(1_600_000_000_000 + step++ * 1000, step, Object.fromEntries(m.keys.map((k, i) => [k, r[i]!])));
        if (out.length === 1) times.push(performance.now() - t);
      }
    }
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    const result = { p50: +q(0.5).toFixed(3), p99: +q(0.99).toFixed(3), cpu: +((cpu.user + cpu.system) / 1000 / times.length).toFixed(3) };
    console.log(`edge (${label}, ${m.sensors.length} sensors, window ${m.windowSteps}): one window ${result.p50} ms p50, ${result.p99} ms p99 wall, ${result.cpu} ms CPU (${times.length} windows, onnxruntime 1 thread)`);
    return result;
  } finally {
    await edge.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
const edge = {
  ...(lastModel ? { pca: await edgeWindowMs('pca-t2q', lastModel.model, lastModel.rows) } : {}),
  ...(lastConvAe ? { conv_ae: await edgeWindowMs('conv-ae', lastConvAe.model, lastConvAe.rows) } : {}),
};
const edgeWindowMsWorst = Math.max(...Object.values(edge).map((e) => e?.p50 ?? 0));

if (!lastModel) {
  console.log(JSON.stringify({ bench: 'telemetry-scoring', families: summary, conv_ae_windows_per_s: convAePerS && Math.round(convAePerS), conv_ae_in_process_windows_per_s: convAeInProcessPerS && Math.round(convAeInProcessPerS), conv_ae_graph_windows_per_s: convAeBatchPerS, edge_window_ms: edgeWindowMsWorst, edge, load: +loadavg()[0]!.toFixed(1) }));
  process.exit(0);
}

// Speed on the last experiment's model: every row pushed through the streaming scorer, repeatedly.
const { model, rows } = lastModel!;
const keyRows = rows.map((r) => Float64Array.from(r));
const scorer = new WindowScorer(model);
let windows = 0;
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  for (const r of keyRows) if (scorer.push(r)) windows++;
}
const streamPerS = windows / ((performance.now() - t0) / 1000);
// Baseline: the float64 batch reference over the same rows as windows of 20 (the sensors the model reads).
const cols = model.sensors.map((s) => model.keys.indexOf(s));
const steps = model.windowSteps;
const batch = new Float64Array((rows.length - steps + 1) * steps * cols.length);
for (let w = 0; w + steps <= rows.length; w++) for (let i = 0; i < steps; i++) cols.forEach((c, k) => (batch[(w * steps + i) * cols.length + k] = rows[w + i]![c]!));
const count = batch.length / (steps * cols.length);
let batches = 0;
const t1 = performance.now();
while (performance.now() - t1 < seconds * 1000) {
  pcaWindowErrors(model.pca, batch, steps, steps);
  batches++;
}
const batchPerS = (batches * count) / ((performance.now() - t1) / 1000);
console.log(`speed (${model.sensors.length} sensors, window ${steps}): streaming WindowScorer ${Math.round(streamPerS)} windows/s; baseline batch pcaWindowErrors ${Math.round(batchPerS)} windows/s (one core each)`);
const pca = summary['pca'] ?? Object.values(summary)[0]!;
console.log(JSON.stringify({ bench: 'telemetry-scoring', skab_f1: pca.f1, skab_far: pca.far, skab_mar: pca.mar, families: summary, conv_ae_windows_per_s: convAePerS && Math.round(convAePerS), conv_ae_in_process_windows_per_s: convAeInProcessPerS && Math.round(convAeInProcessPerS), conv_ae_graph_windows_per_s: convAeBatchPerS, windows_per_s: Math.round(streamPerS), baseline_batch_windows_per_s: Math.round(batchPerS), edge_window_ms: edgeWindowMsWorst, edge, load: +loadavg()[0]!.toFixed(1) }));
