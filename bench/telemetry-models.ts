// npm run bench -- telemetry-models [--shared-data <dir>] [--batch 256] [--seconds 5]
// The telemetry and vibration window models of issue 15 on real data, in one run: trains and
// evaluates both pipelines exactly as `npm run train -- telemetry|vibration` does (SKAB
// leave-one-file-out and NAB tables, the vibration report), then measures the exported
// telemetry graph in onnxruntime-node on one core: windows scored per second at --batch, the p99
// of a batch, and the latency of one window alone (the edge agent's case). Windows per second
// are per CPU-second of the bench process (one core), the wall-clock rate is printed beside it. The
// forecast fields come from the forecast bench's evaluation (bench/support/forecast-evaluation.ts)
// of every NAB series with the service's default training options and seed: the worst MAE at the
// horizon ÷ the best naive forecast, and the median lead of the risk (forecast + anomaly score)
// before the labelled windows. Last line: the JSON.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { DEFAULT_TRAIN_OPTIONS } from '@premonitor/forecasting';
import { readModelMetadata } from '@premonitor/ml';
import { trainTelemetry } from '@premonitor/training/telemetry';
import { trainVibration } from '@premonitor/training/vibration';
import { evaluateSeries, summariseLeads } from './support/forecast-evaluation.js';
import { loadNab, NAB_FILES } from './support/forecast-data.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    'shared-data': { type: 'string', default: process.env['PM_SHARED_DATA_DIR'] ?? resolve(root, '../shared/data') },
    batch: { type: 'string', default: '256' },
    seconds: { type: 'string', default: '5' },
  },
});
const batch = Number(args.batch);
const seconds = Number(args.seconds);
if (!(Number.isInteger(batch) && batch > 0 && seconds > 0)) {
  console.error('usage: npm run bench -- telemetry-models [--shared-data <dir>] [--batch N>0] [--seconds S>0]');
  process.exit(2);
}
const shared = args['shared-data']!;
const log = (line: string): void => console.log(line);
const now = new Date();

process.on('uncaughtException', (err) => {
  console.error(`telemetry-models failed: ${err.message}`);
  process.exit(1);
});

console.log(`telemetry-models: shared data ${shared}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on a shared host (timings are noisy)`);
console.log('== telemetry (SKAB, NAB) ==');
const telemetry = await trainTelemetry({ skabDir: resolve(shared, 'skab'), nabDir: resolve(shared, 'nab'), quick: false, now, log: () => undefined });
for (const line of telemetry.text) log(line);
console.log('== vibration (vibration-fan) ==');
const vibration = await trainVibration({ dataDir: resolve(shared, 'vibration-fan'), quick: false, now, log: () => undefined });
for (const line of vibration.text) log(line);

console.log('== throughput (onnxruntime-node, 1 intra-op thread) ==');
const q = (v: number[], p: number): number => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))]!;

/** Windows per CPU-second at --batch and the latency of one window alone, printed under `label`. */
async function measure(bytes: Uint8Array, label: string): Promise<{ windowsPerS: number; edgeMs: number }> {
  const meta = readModelMetadata(bytes);
  const [, steps, channels] = meta.inputs[0]!.shape as [string, number, number];
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  // The graph's cost does not depend on the values.
  const input = Float32Array.from({ length: batch * steps * channels }, (_, i) => Math.sin(i * 0.37) + 1);
  const tensor = new ort.Tensor('float32', input, [batch, steps, channels]);
  for (let i = 0; i < 5; i++) await session.run({ window: tensor });
  const batchMs: number[] = [];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - started < seconds * 1000) {
    const t = performance.now();
    await session.run({ window: tensor });
    batchMs.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const elapsed = batchMs.reduce((a, b) => a + b, 0) / 1000;
  const windowsPerWallS = (batchMs.length * batch) / elapsed;
  // Per core = per CPU-second of this process: on a host shared by several busy processes the
  // wall clock mostly measures waiting for a core, the CPU time what scoring costs.
  const windowsPerS = (batchMs.length * batch) / ((cpu.user + cpu.system) / 1e6);
  const one = new ort.Tensor('float32', input.subarray(0, steps * channels), [1, steps, channels]);
  for (let i = 0; i < 20; i++) await session.run({ window: one });
  const singleMs: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await session.run({ window: one });
    singleMs.push(performance.now() - t);
  }
  await session.release();
  console.log(`${label}, ${meta.window?.family} (${steps} × ${channels}): ${windowsPerS.toFixed(0)} windows per CPU-second (one core), ${windowsPerWallS.toFixed(0)} per wall second, at batch ${batch} (${batchMs.length} batches, p50 ${q(batchMs, 0.5).toFixed(2)} ms, p99 ${q(batchMs, 0.99).toFixed(2)} ms per batch; load average ${loadavg()[0]!.toFixed(1)})`);
  console.log(`${label}, one window alone (edge): p50 ${q(singleMs, 0.5).toFixed(3)} ms, p99 ${q(singleMs, 0.99).toFixed(3)} ms over 500 runs`);
  return { windowsPerS, edgeMs: q(singleMs, 0.5) };
}

const main = await measure(telemetry.bytes, 'telemetry.onnx');
for (const variant of telemetry.variants) await measure(variant.bytes, `telemetry.${variant.suffix}.onnx`);
console.log(`== forecast and failure risk (NAB, the service's default training, seed ${DEFAULT_TRAIN_OPTIONS.seed}) ==`);
const forecastRows = [];
for (const file of NAB_FILES) {
  const { onnx, row } = await evaluateSeries(await loadNab(file), DEFAULT_TRAIN_OPTIONS, { maxTrain: 4000, limits: 'normal' });
  await onnx.release();
  const lead = row.risk_lead!;
  console.log(`${row.name}: chosen ${row.chosen}, MAE@12 ÷ best naive ${row.ratio_vs_best_naive}; risk lead (h before each labelled window; null = not warned) ${JSON.stringify(lead.combined.leads)}, ${lead.combined.falsePerWeek} false high episodes/week`);
  forecastRows.push(row);
}
const forecastWorst = Math.max(...forecastRows.map((r) => r.ratio_vs_best_naive));
const riskSummary = summariseLeads(forecastRows.map((r) => r.risk_lead!.combined));
console.log(`forecast: worst MAE@12 ÷ best naive ${forecastWorst}; risk (forecast + anomaly score): ${JSON.stringify(riskSummary)}`);

const t = telemetry.summary;
const v = vibration.summary;
console.log(
  JSON.stringify({
    bench: 'telemetry-models',
    skab_f1: t['skab_f1'],
    skab_far: t['skab_far'],
    skab_mar: t['skab_mar'],
    vibration_macro_f1: v['vibration_macro_f1'],
    unbalance_auc: v['unbalance_auc_min'],
    windows_per_s: Math.round(main.windowsPerS),
    edge_window_ms: Number(main.edgeMs.toFixed(3)),
    forecast_worst_ratio_vs_best_naive: forecastWorst,
    risk_lead_h: riskSummary.median_lead_h,
  }),
);
