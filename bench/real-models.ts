// npm run bench -- real-models [--data DIR] [--split-seed 1]
// The shipped models on real recordings and images, before (today's models) and after, in one run.
// Thermal section: the thermal-ir test split (Raptor Maps InfraredSolarModules) scored by today's
// °C scene model (which cannot take the images: refused as they are, then scored through a naive
// °C mapping) and by the module-image model. The acoustic (MIMII) section is added by its own work.
// Last line: {"bench":"real-models","thermal_auc":…,"hotspot_recall_at_fpr1":…,"hotspot_recall_at_fpr5":…,"thermal_confusion":…,…}.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { runThermalSection, type ThermalModelRow } from './support/thermal-ir-section.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    'split-seed': { type: 'string', default: '1' },
  },
});
const root = fileURLToPath(new URL('../..', import.meta.url));
const shared = resolve(process.env['PM_SHARED_DATA_DIR'] ?? join(root, '../shared/data'));
const log = (line: string): void => console.log(line);

const load = loadavg()[0]!;
const thermal = await runThermalSection({
  dataDir: args.data ?? join(shared, 'thermal-ir'),
  sceneModel: join(root, 'models/thermal.onnx'),
  imageModel: join(root, 'models/thermal-ir.onnx'),
  splitSeed: Number(args['split-seed']),
  log,
});

const f = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '  -  ' : x.toFixed(3));
const row = (label: string, r: ThermalModelRow): string[] => {
  const e = r.evaluation!;
  return [
    `${label}: ${r.model}`,
    `  input: ${r.how}${r.refused ? `\n  as they are: refused — ${r.refused}` : ''}`,
    `  AUC anomaly vs normal ${f(e.anomaly.auc)}; recall at 1 % / 5 % false alarms ${f(e.anomaly.recall_at_fpr1)} / ${f(e.anomaly.recall_at_fpr5)}; hot spots ${f(e.hotspot.recall_at_fpr1)} / ${f(e.hotspot.recall_at_fpr5)}` +
      (e.classification ? `; accuracy ${f(e.classification.accuracy)}, macro F1 ${f(e.classification.macro_f1)}` : ''),
    `  cost: ${r.cpuMsPerImage.toFixed(3)} CPU-ms per image in batches of 64, ${r.latencyMs.toFixed(3)} ms for one image alone (onnxruntime-node, 1 thread)`,
    `  per class (AUC / R@1% / R@5%): ${Object.entries(e.per_class).map(([c, m]) => `${c} ${f(m.auc)}/${f(m.recall_at_fpr1)}/${f(m.recall_at_fpr5)}`).join(', ')}`,
  ];
};
log(`thermal-ir test split, ${thermal.images} images (load average ${load.toFixed(1)} at start, 2 cores):`);
for (const line of [...row('before', thermal.before), ...row('after', thermal.after)]) log(line);

const after = thermal.after.evaluation!;
console.log(JSON.stringify({
  bench: 'real-models',
  thermal_auc: after.anomaly.auc,
  hotspot_recall_at_fpr1: after.hotspot.recall_at_fpr1,
  hotspot_recall_at_fpr5: after.hotspot.recall_at_fpr5,
  thermal_confusion: after.classification?.confusion,
  thermal_accuracy: after.classification?.accuracy,
  thermal_macro_f1: after.classification?.macro_f1,
  thermal_auc_by_class: Object.fromEntries(Object.entries(after.per_class).map(([c, m]) => [c, m.auc])),
  thermal_before: { auc: thermal.before.evaluation!.anomaly.auc, hotspot_recall_at_fpr1: thermal.before.evaluation!.hotspot.recall_at_fpr1, hotspot_recall_at_fpr5: thermal.before.evaluation!.hotspot.recall_at_fpr5, refused_as_is: thermal.before.refused !== undefined },
  thermal_cpu_ms_per_image: { before: Number(thermal.before.cpuMsPerImage.toFixed(4)), after: Number(thermal.after.cpuMsPerImage.toFixed(4)) },
}));
