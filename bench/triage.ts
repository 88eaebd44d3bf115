// npm run bench -- triage [--shared-data <dir>] [--seed N] [--link cumulative|softmax] [--char-ngrams 3,4,5|none]
//                         [--epochs N] [--learning-rate X] [--l2 X] [--class-balance X]
// The triage model family on real maintenance texts, in one run:
// 1. quality: leave-one-excavator-out on ../shared/data/work-orders/excavators-cleaned.csv —
//    order type, failure mode, cost band, running-time band — against a majority-class and a
//    learnt keyword baseline fitted on the same training part (@premonitor/training/triage);
// 2. training time: 5,000 records (the 4,385 excavator texts + the first 615 MaintIE texts)
//    through the API path — validated in calls of 1,000, merged into one record set — then
//    trainTriageModel (features in onnxruntime, fit, ONNX export);
// 3. prediction: the trained triage model in onnxruntime-node (1 intra-op thread) on the
//    5,241 real texts, batches of 256, twice; and single reports (batch 1).
// Wall-clock figures are noisy on a shared host: CPU seconds per item are printed beside them,
// with the load average. Last line: one JSON object.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TEXT_FEATURES, type TextFeatureSpec } from '@premonitor/ml';
import {
  DEFAULT_HASHED_TRAINING, TextModelPredictor, TriageRecordSet, evaluateWorkOrders, excavatorWorkOrdersFile, fitBandEdges, formatWorkOrderEvaluation, loadExcavatorWorkOrders,
  loadMaintieTexts, maintieGoldFile, trainTriageModel, validateTrainingRecords, workOrderLabels, workOrderTargetsJson,
  type HashedTrainingOptions, type TriageRecord, type WorkOrder,
} from '@premonitor/training/triage';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    'shared-data': { type: 'string', default: process.env['PM_SHARED_DATA_DIR'] ?? resolve(root, '../shared/data') },
    seed: { type: 'string', default: '1' },
    // Alternatives to the shipped settings, for the design record (services/training/README.md).
    link: { type: 'string' },
    'char-ngrams': { type: 'string' },
    epochs: { type: 'string' },
    'learning-rate': { type: 'string' },
    l2: { type: 'string' },
    'class-balance': { type: 'string' },
  },
});
const sharedData = args['shared-data']!;
const seed = Number(args.seed);
const training: HashedTrainingOptions = {
  ...DEFAULT_HASHED_TRAINING,
  seed,
  ...(args.link ? { ordinalLink: args.link === 'softmax' ? 'softmax' : 'cumulative' } : {}),
  ...(args.epochs ? { epochs: Number(args.epochs) } : {}),
  ...(args['learning-rate'] ? { learningRate: Number(args['learning-rate']) } : {}),
  ...(args.l2 ? { l2: Number(args.l2) } : {}),
  ...(args['class-balance'] ? { classBalance: Number(args['class-balance']) } : {}),
};
const charNgrams = args['char-ngrams'] === undefined ? DEFAULT_TEXT_FEATURES.charNgrams : args['char-ngrams'] === 'none' ? [] : args['char-ngrams'].split(',').map(Number);
const features: TextFeatureSpec = { ...DEFAULT_TEXT_FEATURES, charNgrams };

async function main(): Promise<void> {
  let orders: WorkOrder[];
  let maintie: string[];
  try {
    orders = await loadExcavatorWorkOrders(excavatorWorkOrdersFile(sharedData));
    maintie = await loadMaintieTexts(maintieGoldFile(sharedData));
  } catch (err) {
    console.log(`SKIPPING triage: no work orders under ${sharedData}/work-orders (${(err as Error).message}); set --shared-data or PM_SHARED_DATA_DIR`);
    console.log(JSON.stringify({ bench: 'triage', skipped: true }));
    return;
  }
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores)`);
  console.log(`settings: ${JSON.stringify(training)}, character n-grams [${charNgrams.join(', ')}]`);

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const evaluation = await evaluateWorkOrders(orders, { training, features });
  const evalCpu = cpuSeconds(cpu0);
  for (const line of formatWorkOrderEvaluation(evaluation)) console.log(line);
  console.log(`evaluation: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${evalCpu.toFixed(1)} s CPU for ${evaluation.folds.length} folds`);

  // Timing records: real texts; the scores are the derived bands (availability and process safety ←
  // cost band, fiability ← running-time band, 3 where unknown) — meaningful as timing input only.
  const edges = fitBandEdges(orders);
  const [, , costBand, runningBand] = workOrderLabels(orders, edges);
  const texts: TriageRecord[] = [
    ...orders.map((o, i) => ({ anomaly_id: `wo-${o.line}`, description: o.text, equipment_name: `excavator ${o.asset}`, availability_score: costBand![i]! + 1, fiability_score: runningBand![i]! < 0 ? 3 : runningBand![i]! + 1, process_safety_score: costBand![i]! + 1 })),
    ...maintie.map((text, i) => ({ anomaly_id: `maintie-${i}`, description: text.replace('<id>', '').trim() || text, availability_score: 3, fiability_score: 3, process_safety_score: 3 })),
  ];
  const records = texts.slice(0, 5000);
  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  let set = new TriageRecordSet();
  for (let start = 0; start < records.length; start += 1000) {
    const call = validateTrainingRecords({ records: records.slice(start, start + 1000) });
    if (!call.ok) throw new Error(`timing records refused: ${call.error} ${JSON.stringify(call.records.slice(0, 3))}`);
    set = set.merge(call.records).set;
  }
  const validateS = (performance.now() - t1) / 1000;
  const trained = await trainTriageModel(set.records, { version: 'bench', now: new Date(0), training, features });
  const trainS = (performance.now() - t1) / 1000;
  const trainCpu = cpuSeconds(cpu1);
  const r = trained.report;
  console.log('');
  console.log(`training on ${r.records} records: ${trainS.toFixed(2)} s wall (${trainCpu.toFixed(2)} s CPU) — validate+merge ${validateS.toFixed(2)} s, features ${r.seconds.features.toFixed(2)} s, fit ${r.seconds.fit.toFixed(2)} s (${r.epoch_loss.length} epochs), export ${r.seconds.export.toFixed(2)} s; vocabulary ${r.vocabulary}, model ${(r.model_bytes / 1e6).toFixed(2)} MB`);

  const predictor = await TextModelPredictor.create(trained.modelBytes);
  const inputs = texts.map((t) => ({ description: t.description, equipment: t.equipment_name ?? '' }));
  await predictor.predict(inputs.slice(0, 256));
  const cpu2 = process.cpuUsage();
  const t2 = performance.now();
  for (let pass = 0; pass < 2; pass++) await predictor.predict(inputs, 256);
  const predictWall = (performance.now() - t2) / 1000;
  const predictCpu = cpuSeconds(cpu2);
  const predicted = inputs.length * 2;
  const single: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await predictor.predict([inputs[i]!]);
    single.push(performance.now() - t);
  }
  await predictor.close();
  single.sort((a, b) => a - b);
  const predictPerS = predicted / predictWall;
  console.log(`prediction: ${predicted} reports in ${predictWall.toFixed(2)} s wall = ${predictPerS.toFixed(0)} reports/s (${((predictCpu / predicted) * 1e6).toFixed(0)} µs CPU per report); one report alone: median ${single[100]!.toFixed(2)} ms`);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  console.log(JSON.stringify({
    bench: 'triage',
    targets: workOrderTargetsJson(evaluation),
    predict_per_s: Math.round(predictPerS),
    predict_cpu_us_per_report: Math.round((predictCpu / predicted) * 1e6),
    predict_single_ms: Math.round(single[100]! * 100) / 100,
    train_s: Math.round(trainS * 100) / 100,
    train_cpu_s: Math.round(trainCpu * 100) / 100,
    train_records: r.records,
    onnx_disagreements: evaluation.onnx_disagreements,
    load_average: loadavg().map((l) => Math.round(l * 10) / 10),
  }));
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
