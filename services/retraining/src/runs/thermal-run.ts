import type { Json } from '@premonitor/db';
import { HOT_SPOT_CLASSES, evaluateThermalIr, thermalIrPlan, trainThermalIr, type ThermalIrSample } from '@premonitor/training';
import { FrameAdaptError } from '@premonitor/ml/scoring';
import { heldOutChart, type HeldOutScore } from './held-out-report.js';
import { scoreThermal } from './held-out-scoring.js';
import { atSize, decodeThermalSample, sampleClass, splitByDevice, type DecodedThermalSample } from './thermal-samples.js';
import { deliberateLabels, trainingDevices, type RunContext, type RunOutcome } from './run-outcome.js';
import type { HeldOutEvaluation, TrainJob } from './train-job.js';

/** A fault class with fewer training samples than this trains as plain `anomalous`. */
const MIN_CLASS_SAMPLES = 5;

/** A thermal run: the anomaly model and the fault classifier on the labelled images of the training devices. */
export async function runThermal({ job, store, log, post }: RunContext): Promise<RunOutcome> {
  const decoded: DecodedThermalSample[] = [];
  for (const s of job.samples) decoded.push(decodeThermalSample(s, await store.get(s.sha256)));
  const split = splitByDevice(decoded, job.heldOutFraction, job.splitSeed);
  const [train, heldOut] = [trainingDevices(split.train, job), split.heldOut];
  log(`${decoded.length} thermal samples: ${train.length} for training, ${heldOut.length} held out (by device)`);

  const counts = new Map<string, number>();
  for (const d of train) counts.set(sampleClass(d.sample), (counts.get(sampleClass(d.sample)) ?? 0) + 1);
  const classOf = (d: DecodedThermalSample) => {
    const c = sampleClass(d.sample);
    return c === 'normal' || (counts.get(c) ?? 0) >= MIN_CLASS_SAMPLES ? c : 'anomalous';
  };
  const labels = train.map(classOf);
  deliberateLabels(labels, job);
  const classes = ['normal', ...[...new Set(labels.filter((l) => l !== 'normal'))].sort()];
  const plan = thermalIrPlan(job.quick, job.splitSeed);
  // The shipped recipe's level channel reads 8-bit levels: with any °C matrix or 16-bit image
  // among the samples the run trains without it (a `relative` model, any linear scale).
  const levels = train.every((d) => d.raster.units === 'intensity' && d.raster.values.every((v) => v <= 255));
  const sized = { ...plan, classifier: { ...plan.classifier, epochs: job.epochs ?? plan.classifier.epochs, ...(levels ? {} : { levelChannel: undefined }) } };
  const samples: ThermalIrSample[] = train.map((d, i) => ({ id: String(d.sample.id), label: labels[i]!, values: atSize(d.raster, plan.width, plan.height) }));
  const hotSpotClasses = classes.filter((c) => HOT_SPOT_CLASSES.includes(c));
  const trained = await trainThermalIr({
    samples,
    classes,
    normalClass: 'normal',
    hotSpotClasses,
    quick: job.quick,
    plan: sized,
    now: new Date(job.now),
    log,
    onEpoch: (p) => post({ type: 'epoch', epoch: p.epoch, epochs: p.epochs, loss: p.loss, elapsedS: p.elapsedS }),
    source: 'retraining: labelled samples',
  });

  const { evaluation, chart, normalScores } = await evaluateHeldOut(trained.bytes, job.champion, heldOut, classes, hotSpotClasses);
  return {
    version: trained.version,
    bytes: trained.bytes,
    evaluation,
    chart,
    normalScores,
    lineage: {
      parent: job.champion?.version ?? null,
      data_fingerprint: trained.metadata.trainingDataFingerprint ?? null,
      // The classes as trained (after `invertLabels`/`shuffleLabels`): the lineage shows what the model was taught.
      samples: { train: train.length, held_out: heldOut.length, train_classes: Object.fromEntries(classes.map((c) => [c, labels.filter((l) => l === c).length])) },
      classes,
      settings: { epochs: sized.classifier.epochs, quick: job.quick, split_seed: job.splitSeed, shuffled_labels: job.shuffleLabels, inverted_labels: job.invertLabels, train_devices: job.trainDevices ? [...job.trainDevices] : null, level_channel: sized.classifier.levelChannel !== undefined },
      train_report: JSON.parse(JSON.stringify(trained.summary)) as Json,
    },
  };
}

/** Candidate and champion on the same held-out samples: AUC anomalous vs normal, recall at 5 % false alarms; the chart. */
async function evaluateHeldOut(candidate: Uint8Array, champion: TrainJob['champion'], heldOut: readonly DecodedThermalSample[], classes: readonly string[], hotSpotClasses: readonly string[]): Promise<{ evaluation: HeldOutEvaluation; chart: Uint8Array; normalScores: number[] }> {
  const rasters = heldOut.map((d) => d.raster);
  const labelOf = (d: DecodedThermalSample) => (classes.includes(sampleClass(d.sample)) ? sampleClass(d.sample) : 'anomalous');
  const known = [...new Set([...classes, ...heldOut.map(labelOf)])];
  const judge = (scores: readonly number[]) => evaluateThermalIr(heldOut.map((d, i) => ({ label: labelOf(d), score: scores[i]! })), { classes: known, normalClass: 'normal', hotSpotClasses });
  const figures = (e: ReturnType<typeof judge>) => ({ auc: e.anomaly.auc, recall_at_fpr1: e.anomaly.recall_at_fpr1, recall_at_fpr5: e.anomaly.recall_at_fpr5 });
  const scored = (scores: readonly number[]): HeldOutScore[] => heldOut.map((d, i) => ({ score: scores[i]!, anomalous: d.sample.label === 'anomalous', device: d.sample.device ?? `sample:${d.sample.id}`, cls: sampleClass(d.sample) }));
  const title = `thermal run - ${heldOut.length} held-out samples`;
  const normal = heldOut.filter((d) => d.sample.label === 'normal').length;
  const base = { samples: heldOut.length, normal, devices: new Set(heldOut.map((d) => d.sample.device ?? `sample:${d.sample.id}`)).size };
  const candidateScores = await scoreThermal(candidate, rasters);
  const candidateEval = judge(candidateScores);
  const normalScores = heldOut.flatMap((d, i) => (d.sample.label === 'normal' ? [candidateScores[i]!] : []));
  const result = { heldOut: base, candidate: figures(candidateEval), report: JSON.parse(JSON.stringify(candidateEval)) as Json };
  if (!champion) return { evaluation: { ...result, championNote: 'no production model of this kind: floors only' }, chart: heldOutChart(title, scored(candidateScores)), normalScores };
  try {
    const championScores = await scoreThermal(champion.bytes, rasters);
    return { evaluation: { ...result, champion: figures(judge(championScores)) }, chart: heldOutChart(title, scored(candidateScores), scored(championScores)), normalScores };
  } catch (err) {
    if (err instanceof FrameAdaptError) return { evaluation: { ...result, championNote: `champion ${champion.version} cannot score the held-out samples (${err.message}): floors only` }, chart: heldOutChart(title, scored(candidateScores)), normalScores };
    throw err;
  }
}
