// npm run bench -- real-models [--before <model.onnx>] [--after <model.onnx>] [--shared-data <dir>] [--cost-clips N]
//                              [--thermal-data <dir>] [--thermal-before <thermal-ir.onnx>] [--split-seed 1]
// The shipped models on real data, before and after, in one run; each kind is a section.
// Acoustic: MIMII, per machine, one channel = one device, enrolled from the first seconds of
// its normal recording (`@premonitor/training/real-data`), plus the CPU cost per clip of both
// models with the same script; "before" is the model shipped before issue 13 (by default read
// from git at BEFORE_REF), "after" models/acoustic.onnx. Thermal: the thermal-ir test split
// (Raptor Maps InfraredSolarModules) scored by today's °C scene model (which cannot take the
// images: refused as they are, then scored through a naive °C mapping), by the module-image model
// shipped before the issue-13 retraining (git at THERMAL_IR_BEFORE_REF) and by today's module-image
// model (`support/thermal-ir-section.ts`). Last line: one JSON object with both sections' keys.
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { baselineLength, baselineShape, checkBaselineSpec, readModelMetadata, type BaselineSpec } from '@premonitor/ml';
import {
  OnnxScorer, evaluateMimii, expandQuantileSketch, fitFleetCalibration, formatMimii, leaveOneMachineOutFleetMedians,
  loadMimiiMachines, mimiiFolder, summariseLeaveOneOut, summariseMimii, type MimiiMachine,
} from '@premonitor/training/real-data';
import { runThermalSection, type ThermalModelRow } from './support/thermal-ir-section.js';

/** The last commit whose `models/acoustic.onnx` is the model shipped before this work. */
const BEFORE_REF = 'f5d3f0c';
/** The last commit whose `models/thermal-ir.onnx` is the module-image model shipped before the level channel (issue 13's retraining: mirror averaging, 12 epochs, any linear scale). */
const THERMAL_IR_BEFORE_REF = '55e328a';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: resolve(root, 'models/acoustic.onnx') },
    'shared-data': { type: 'string', default: process.env['PM_SHARED_DATA_DIR'] ?? resolve(root, '../shared/data') },
    'cost-clips': { type: 'string', default: '256' },
    'thermal-data': { type: 'string' },
    'thermal-before': { type: 'string' },
    'split-seed': { type: 'string', default: '1' },
  },
});

/** One kind's part of the bench: prints its tables and returns its keys of the last line. */
interface Section {
  readonly name: string;
  run(): Promise<Record<string, unknown>>;
}

const acoustic: Section = {
  name: 'acoustic (MIMII)',
  async run() {
    let machines: MimiiMachine[];
    try {
      machines = await loadMimiiMachines(mimiiFolder(args['shared-data']!));
    } catch (err) {
      console.log(`SKIPPING acoustic: no MIMII recordings in ${mimiiFolder(args['shared-data']!)} (${(err as Error).message}); set --shared-data or PM_SHARED_DATA_DIR`);
      return {};
    }
    const before = await beforeModel();
    const after = new Uint8Array(await readFile(args.after!));
    const out: Record<string, unknown> = {};
    if (before) {
      const b = await evaluateModel('before', before, machines);
      out['before'] = { ...b.summary, cpu_ms_per_clip: b.cpuMsPerClip };
    }
    const a = await evaluateModel('after', after, machines);
    return { ...a.summary, cpu_ms_per_clip: a.cpuMsPerClip, ...out };
  },
};

const thermal: Section = {
  name: 'thermal (thermal-ir)',
  async run() {
    const dataDir = args['thermal-data'] ?? join(args['shared-data']!, 'thermal-ir');
    if (!existsSync(join(dataDir, 'module_metadata.json'))) {
      console.log(`SKIPPING thermal: no thermal-ir data set in ${dataDir} (module_metadata.json missing); set --thermal-data, --shared-data or PM_SHARED_DATA_DIR`);
      return {};
    }
    const load = loadavg()[0]!;
    const section = await runThermalSection({
      dataDir,
      sceneModel: resolve(root, 'models/thermal.onnx'),
      imageModel: resolve(root, 'models/thermal-ir.onnx'),
      ...(await previousThermalIr()),
      splitSeed: Number(args['split-seed']),
      log: (line) => console.log(line),
    });
    console.log(`thermal-ir test split, ${section.images} images (load average ${load.toFixed(1)} at start, 2 cores):`);
    const rows = [...thermalRow('before (scene model)', section.before), ...(section.previous ? thermalRow('before (module-image model)', section.previous) : []), ...thermalRow('after', section.after)];
    for (const line of rows) console.log(line);
    const previous = section.previous?.evaluation;
    const after = section.after.evaluation!;
    const before = section.before.evaluation!;
    return {
      thermal_auc: after.anomaly.auc,
      hotspot_recall_at_fpr1: after.hotspot.recall_at_fpr1,
      hotspot_recall_at_fpr5: after.hotspot.recall_at_fpr5,
      thermal_confusion: after.classification?.confusion,
      thermal_accuracy: after.classification?.accuracy,
      thermal_macro_f1: after.classification?.macro_f1,
      thermal_auc_by_class: Object.fromEntries(Object.entries(after.per_class).map(([c, m]) => [c, m.auc])),
      thermal_before: { auc: before.anomaly.auc, hotspot_recall_at_fpr1: before.hotspot.recall_at_fpr1, hotspot_recall_at_fpr5: before.hotspot.recall_at_fpr5, refused_as_is: section.before.refused !== undefined },
      ...(previous ? { thermal_ir_before: { auc: previous.anomaly.auc, hotspot_recall_at_fpr1: previous.hotspot.recall_at_fpr1, hotspot_recall_at_fpr5: previous.hotspot.recall_at_fpr5, accuracy: previous.classification?.accuracy, macro_f1: previous.classification?.macro_f1 } } : {}),
      thermal_cpu_ms_per_image: { before: Number(section.before.cpuMsPerImage.toFixed(4)), ...(section.previous ? { thermal_ir_before: Number(section.previous.cpuMsPerImage.toFixed(4)) } : {}), after: Number(section.after.cpuMsPerImage.toFixed(4)) },
      thermal_latency_ms: { ...(section.previous ? { thermal_ir_before: Number(section.previous.latencyMs.toFixed(4)) } : {}), after: Number(section.after.latencyMs.toFixed(4)) },
    };
  },
};

/** One thermal model's lines of the table. */
function thermalRow(label: string, r: ThermalModelRow): string[] {
  const f = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '  -  ' : x.toFixed(3));
  const e = r.evaluation!;
  return [
    `${label}: ${r.model}`,
    `  input: ${r.how}${r.refused ? `\n  as they are: refused — ${r.refused}` : ''}`,
    `  AUC anomaly vs normal ${f(e.anomaly.auc)}; recall at 1 % / 5 % false alarms ${f(e.anomaly.recall_at_fpr1)} / ${f(e.anomaly.recall_at_fpr5)}; hot spots ${f(e.hotspot.recall_at_fpr1)} / ${f(e.hotspot.recall_at_fpr5)}` +
      (e.classification ? `; accuracy ${f(e.classification.accuracy)}, macro F1 ${f(e.classification.macro_f1)}` : ''),
    `  cost: ${r.cpuMsPerImage.toFixed(3)} CPU-ms per image in batches of 64, ${r.latencyMs.toFixed(3)} ms for one image alone (onnxruntime-node, 1 thread)`,
    `  per class (AUC / R@1% / R@5%): ${Object.entries(e.per_class).map(([c, m]) => `${c} ${f(m.auc)}/${f(m.recall_at_fpr1)}/${f(m.recall_at_fpr5)}`).join(', ')}`,
  ];
}

/** The module-image model shipped before (`--thermal-before <file>`, else git at THERMAL_IR_BEFORE_REF), or nothing with a note. */
async function previousThermalIr(): Promise<{ previousImageModel?: { bytes: Uint8Array; ref: string } }> {
  if (args['thermal-before']) return { previousImageModel: { bytes: new Uint8Array(await readFile(args['thermal-before'])), ref: args['thermal-before'] } };
  try {
    const bytes = new Uint8Array(execFileSync('git', ['-C', root, 'show', `${THERMAL_IR_BEFORE_REF}:models/thermal-ir.onnx`], { maxBuffer: 64 * 1024 * 1024 }));
    return { previousImageModel: { bytes, ref: THERMAL_IR_BEFORE_REF } };
  } catch (err) {
    console.log(`NOTE: no previous thermal-ir model (git show ${THERMAL_IR_BEFORE_REF}:models/thermal-ir.onnx failed: ${(err as Error).message.split('\n')[0]}); pass --thermal-before <file>`);
    return {};
  }
}

async function beforeModel(): Promise<Uint8Array | undefined> {
  if (args.before) return new Uint8Array(await readFile(args.before));
  try {
    return new Uint8Array(execFileSync('git', ['-C', root, 'show', `${BEFORE_REF}:models/acoustic.onnx`], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (err) {
    console.log(`NOTE: no 'before' model (git show ${BEFORE_REF}:models/acoustic.onnx failed: ${(err as Error).message.split('\n')[0]}); pass --before <file>`);
    return undefined;
  }
}

async function evaluateModel(label: string, bytes: Uint8Array, machines: readonly MimiiMachine[]): Promise<{ summary: Record<string, unknown>; cpuMsPerClip: number }> {
  const meta = readModelMetadata(bytes);
  const spec: BaselineSpec = checkBaselineSpec(meta.baseline);
  const samples = meta.frameShape?.[0] ?? 16000;
  const scorer = await OnnxScorer.create(bytes, 'pcm', [samples]);
  try {
    const evaluation = await evaluateMimii(scorer, spec, machines);
    const summary: Record<string, unknown> = { version: meta.version, ...summariseMimii(evaluation) };
    // The fleet calibration of a model fitted on real normals saw these machines: recompute
    // each machine's median from a calibration without it (synthetic share from the metadata).
    const c = meta.calibration ?? {};
    const sketch = c['syntheticHealthyQuantiles'];
    const count = c['syntheticHealthyCount'];
    let leaveOneOut: Record<string, number> | undefined;
    if (Array.isArray(sketch) && typeof count === 'number' && typeof c['normalQuantile'] === 'number') {
      const synthetic = expandQuantileSketch(sketch as number[], count);
      leaveOneOut = leaveOneMachineOutFleetMedians(evaluation, (others) => fitFleetCalibration(synthetic, others, c['normalQuantile'] as number));
      const lomo = summariseLeaveOneOut(leaveOneOut);
      summary['normal_fleet_score_median_lomo_by_machine'] = lomo.byMachine;
      summary['normal_fleet_score_median_lomo'] = lomo.median;
    }
    for (const line of formatMimii(`${label}: acoustic ${meta.version}`, evaluation, leaveOneOut)) console.log(line);
    const cpuMsPerClip = await costPerClip(scorer, spec, machines[0]!.normal[0]!.subarray(0, samples), Number(args['cost-clips']));
    console.log(`${label}: ${cpuMsPerClip.toFixed(2)} CPU-ms per 1 s clip (onnxruntime-node, 1 thread, batches of 32, enrolled)`);
    return { summary, cpuMsPerClip: round3(cpuMsPerClip) };
  } finally {
    await scorer.close();
  }
}

/** CPU time of this process per clip over `clips` clips scored against a baseline (the settled case). */
async function costPerClip(scorer: OnnxScorer, spec: BaselineSpec, clip: Float32Array, clips: number): Promise<number> {
  const baseline = new Float32Array(baselineLength(spec));
  // A spread of 1 where the layout holds one, so the device branch computes finite numbers.
  if (spec.threshold) baseline[spec.embedding + 1] = 1;
  const items = Array.from({ length: clips }, () => clip);
  const feeds = { length: baseline.length, shape: baselineShape(spec), perItem: items.map(() => baseline) };
  await scorer.run(items.slice(0, 32), 32, { ...feeds, perItem: feeds.perItem.slice(0, 32) });
  const start = process.cpuUsage();
  await scorer.run(items, 32, feeds);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / clips;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const result: Record<string, unknown> = { bench: 'real-models' };
for (const section of [acoustic, thermal]) {
  console.log(`== ${section.name}`);
  const keys = await section.run();
  if (section === acoustic && Object.keys(keys).length > 0) {
    // The issue's keys: the honest fleet median is the leave-one-machine-out one when the model's calibration saw real data.
    result['mimii_auc'] = keys['mimii_auc'];
    result['mimii_auc_min'] = keys['mimii_auc_min'];
    result['normal_fleet_score_median'] = keys['normal_fleet_score_median_lomo'] ?? keys['normal_fleet_score_median'];
    result['acoustic'] = keys;
  } else Object.assign(result, keys);
}
console.log(JSON.stringify(result));
