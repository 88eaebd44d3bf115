import { createHash } from 'node:crypto';
import type { Json } from '@premonitor/db';
import { BAND_EDGES_HZ, FrameAdaptError, bandEnergyShares, meanBandShares } from '@premonitor/ml/scoring';
import { acousticPlan, trainAcoustic } from '@premonitor/training';
import { clipsOf, decodeAcousticSample, type DecodedAcousticSample } from './acoustic-samples.js';
import { heldOutChart, heldOutFigures, heldOutReport, type HeldOutScore } from './held-out-report.js';
import { scoreAcoustic } from './held-out-scoring.js';
import { sampleClass, splitByDevice } from './thermal-samples.js';
import { deliberateLabels, trainingDevices, type RunOutcome, type RunContext } from './run-outcome.js';

/**
 * An acoustic run: the generated corpus plus the healthy labelled clips of the training
 * devices fit the fleet model (the Gaussian family is unsupervised: anomalous training
 * samples teach it nothing and are only counted); candidate and champion are then scored
 * against the fleet on the held-out devices' samples, normal and anomalous.
 */
export async function runAcoustic({ job, store, log }: RunContext): Promise<RunOutcome> {
  const plan = acousticPlan(job.quick);
  const shape = { sampleRate: plan.sampleRate, clipSamples: plan.sampleRate * plan.seconds };
  const decoded: DecodedAcousticSample[] = [];
  for (const s of job.samples) decoded.push(decodeAcousticSample(s, await store.get(s.sha256)));
  const split = splitByDevice(decoded, job.heldOutFraction, job.splitSeed);
  const [train, heldOut] = [trainingDevices(split.train, job), split.heldOut];
  const devices = (items: readonly DecodedAcousticSample[]) => new Set(items.map(deviceOf)).size;
  log(`${decoded.length} acoustic samples: ${train.length} for training (${devices(train)} devices), ${heldOut.length} held out (${devices(heldOut)} devices)`);

  const labels = train.map((d) => d.sample.label);
  deliberateLabels(labels, job);
  const healthy = train.filter((_, i) => labels[i] === 'normal');
  const clips = healthy.flatMap((d) => clipsOf(d, shape).map((samples) => ({ device: deviceOf(d), samples })));
  const fingerprint = createHash('sha256').update(healthy.map((d) => d.sample.sha256).sort().join('\n')).digest('hex').slice(0, 16);
  log(`fitting the fleet model on the generated corpus plus ${clips.length} labelled healthy clips (${train.length - healthy.length} anomalous training samples are not used by this unsupervised model)`);
  // The spectrum the model learned as healthy, for input drift: live clips are compared with it band by band.
  const shares = meanBandShares(clips.map((c) => bandEnergyShares(c.samples, plan.sampleRate)));
  const trained = await trainAcoustic({ quick: job.quick, now: new Date(job.now), log, labelled: { clips, fingerprint } });

  const truth = heldOut.map((d) => ({ anomalous: d.sample.label === 'anomalous', device: deviceOf(d), cls: sampleClass(d.sample) }));
  const scored = (scores: readonly number[]): HeldOutScore[] => truth.map((t, i) => ({ ...t, score: scores[i]! }));
  const candidate = scored(await scoreAcoustic(trained.bytes, heldOut));
  let champion: HeldOutScore[] | undefined;
  let championNote: string | undefined;
  if (!job.champion) championNote = 'no production model of this kind: floors only';
  else {
    try {
      champion = scored(await scoreAcoustic(job.champion.bytes, heldOut));
    } catch (err) {
      if (!(err instanceof FrameAdaptError)) throw err;
      championNote = `champion ${job.champion.version} cannot score the held-out samples (${err.message}): floors only`;
    }
  }
  const normal = heldOut.filter((d) => d.sample.label === 'normal').length;
  return {
    version: trained.version,
    bytes: trained.bytes,
    evaluation: {
      heldOut: { samples: heldOut.length, normal, devices: devices(heldOut) },
      candidate: heldOutFigures(candidate),
      ...(champion ? { champion: heldOutFigures(champion) } : {}),
      ...(championNote ? { championNote } : {}),
      report: { candidate: heldOutReport(candidate), ...(champion ? { champion: heldOutReport(champion) } : {}) },
    },
    normalScores: candidate.filter((c) => !c.anomalous).map((c) => c.score),
    ...(shares ? { inputSpectrum: { bandsHz: BAND_EDGES_HZ, shares, count: clips.length } } : {}),
    chart: heldOutChart(`acoustic run - ${heldOut.length} held-out samples, ${devices(heldOut)} devices`, candidate, champion),
    lineage: {
      parent: job.champion?.version ?? null,
      data_fingerprint: trained.metadata.trainingDataFingerprint ?? null,
      samples: { train: train.length, train_healthy_used: healthy.length, train_clips: clips.length, held_out: heldOut.length },
      settings: { quick: job.quick, split_seed: job.splitSeed, shuffled_labels: job.shuffleLabels, inverted_labels: job.invertLabels, train_devices: job.trainDevices ? [...job.trainDevices] : null, base_corpus: 'generated (@premonitor/ml/data acoustic)' },
      train_report: JSON.parse(JSON.stringify(trained.summary ?? null)) as Json,
    },
  };
}

function deviceOf(d: DecodedAcousticSample): string {
  return d.sample.device ?? `sample:${d.sample.id}`;
}
