// Worker-thread entry of a retraining run: loads the run's samples, trains, and scores the
// candidate and the champion on the same held-out samples. Runs off the service's event loop,
// so the API and scoring stay responsive; the runner terminates it to cancel.
import { parentPort, workerData } from 'node:worker_threads';
import { FileArtifactStore } from '@premonitor/registry';
import { HOT_SPOT_CLASSES, evaluateThermalIr, thermalIrPlan, trainThermalIr, type ThermalIrSample } from '@premonitor/training';
import { FrameAdaptError } from '@premonitor/ml/scoring';
import { SeededRandom } from '@premonitor/ml/data';
import { scoreThermal } from './held-out-scoring.js';
import { atSize, decodeThermalSample, sampleClass, splitByDevice, type DecodedThermalSample } from './thermal-samples.js';
import type { HeldOutEvaluation, TrainJob, TrainMessage } from './train-job.js';

/** A fault class with fewer training samples than this trains as plain `anomalous`. */
const MIN_CLASS_SAMPLES = 5;

const post = (m: TrainMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

async function run(job: TrainJob): Promise<void> {
  const log = (line: string) => post({ type: 'log', line });
  const store = new FileArtifactStore(job.sampleStoreDir);
  const decoded: DecodedThermalSample[] = [];
  for (const s of job.samples) decoded.push(decodeThermalSample(s, await store.get(s.sha256)));
  const { train, heldOut } = splitByDevice(decoded, job.heldOutFraction, job.splitSeed);
  log(`${decoded.length} thermal samples: ${train.length} for training, ${heldOut.length} held out (by device)`);

  const counts = new Map<string, number>();
  for (const d of train) counts.set(sampleClass(d.sample), (counts.get(sampleClass(d.sample)) ?? 0) + 1);
  const classOf = (d: DecodedThermalSample) => {
    const c = sampleClass(d.sample);
    return c === 'normal' || (counts.get(c) ?? 0) >= MIN_CLASS_SAMPLES ? c : 'anomalous';
  };
  const labels = train.map(classOf);
  if (job.shuffleLabels) {
    // Fisher–Yates with the one seeded random: the same job shuffles the same way.
    const random = new SeededRandom(job.splitSeed);
    for (let i = labels.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [labels[i], labels[j]] = [labels[j]!, labels[i]!];
    }
  }
  const classes = ['normal', ...[...new Set(labels.filter((l) => l !== 'normal'))].sort()];
  const plan = thermalIrPlan(job.quick, job.splitSeed);
  const sized = { ...plan, classifier: { ...plan.classifier, epochs: job.epochs ?? plan.classifier.epochs } };
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

  const { evaluation, candidateScores } = await evaluateHeldOut(trained.bytes, job.champion, heldOut, classes, hotSpotClasses);
  // The candidate's scores of the held-out normal samples: its reference for drift and rollout watches.
  const normalScores = heldOut.flatMap((d, i) => (d.sample.label === 'normal' ? [candidateScores[i]!] : []));
  const bytes = trained.bytes.slice();
  post(
    {
      type: 'done',
      version: trained.version,
      bytes,
      evaluation,
      normalScores,
      lineage: {
        parent: job.champion?.version ?? null,
        data_fingerprint: trained.metadata.trainingDataFingerprint ?? null,
        samples: { train: train.length, held_out: heldOut.length },
        classes,
        settings: { epochs: sized.classifier.epochs, quick: job.quick, split_seed: job.splitSeed, shuffled_labels: job.shuffleLabels },
        train_report: JSON.parse(JSON.stringify(trained.summary)) as Record<string, never>,
      },
    },
    [bytes.buffer as ArrayBuffer],
  );
}

/** Candidate and champion on the same held-out samples: AUC anomalous vs normal, recall at 5 % false alarms. */
async function evaluateHeldOut(
  candidate: Uint8Array,
  champion: TrainJob['champion'],
  heldOut: readonly DecodedThermalSample[],
  classes: readonly string[],
  hotSpotClasses: readonly string[],
): Promise<{ evaluation: HeldOutEvaluation; candidateScores: number[] }> {
  const rasters = heldOut.map((d) => d.raster);
  const labelOf = (d: DecodedThermalSample) => (classes.includes(sampleClass(d.sample)) ? sampleClass(d.sample) : 'anomalous');
  const known = [...new Set([...classes, ...heldOut.map(labelOf)])];
  const judge = (scores: readonly number[]) => evaluateThermalIr(heldOut.map((d, i) => ({ label: labelOf(d), score: scores[i]! })), { classes: known, normalClass: 'normal', hotSpotClasses });
  const figures = (e: ReturnType<typeof judge>) => ({ auc: e.anomaly.auc, recall_at_fpr1: e.anomaly.recall_at_fpr1, recall_at_fpr5: e.anomaly.recall_at_fpr5 });
  const normal = heldOut.filter((d) => d.sample.label === 'normal').length;
  const base = { samples: heldOut.length, normal, devices: new Set(heldOut.map((d) => d.sample.device ?? `sample:${d.sample.id}`)).size };
  const candidateScores = await scoreThermal(candidate, rasters);
  const candidateEval = judge(candidateScores);
  const result = { heldOut: base, candidate: figures(candidateEval), report: JSON.parse(JSON.stringify(candidateEval)) as Record<string, never> };
  if (!champion) return { evaluation: { ...result, championNote: 'no production model of this kind: floors only' }, candidateScores };
  try {
    return { evaluation: { ...result, champion: figures(judge(await scoreThermal(champion.bytes, rasters))) }, candidateScores };
  } catch (err) {
    if (err instanceof FrameAdaptError) return { evaluation: { ...result, championNote: `champion ${champion.version} cannot score the held-out samples (${err.message}): floors only` }, candidateScores };
    throw err;
  }
}

run(workerData as TrainJob).catch((err: unknown) => post({ type: 'failed', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
