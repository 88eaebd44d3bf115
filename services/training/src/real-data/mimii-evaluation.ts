import { fitBaseline, type BaselineSpec } from '@premonitor/ml';
import { auc, quantile } from '../evaluation/roc.js';
import { calibrate, type LogisticCalibration } from '../evaluation/logistic-calibration.js';
import { noBaselines } from '../baseline/enroll-devices.js';
import type { BaselineFeeds, OnnxScorer } from '../onnx/onnx-scorer.js';
import type { MimiiMachine } from './mimii-recordings.js';

/**
 * How MIMII recordings are cut and split. Per machine and per channel (one microphone = one
 * device): the first `enrollSeconds` of the normal recording enroll the device (clips
 * `enrollHopSeconds` apart, no overlap, as a service takes samples well apart); `gapSeconds`
 * are skipped so no second of audio is on both sides; the rest of the normal recording and
 * the whole abnormal one are scored in clips `testHopSeconds` apart.
 */
export interface MimiiProtocol {
  readonly clipSeconds: number;
  /** Enrollment lengths tried; the first is the headline. */
  readonly enrollSeconds: readonly number[];
  readonly enrollHopSeconds: number;
  readonly gapSeconds: number;
  readonly testHopSeconds: number;
}

/** The protocol the report and the bench use. */
export const MIMII_PROTOCOL: MimiiProtocol = { clipSeconds: 1, enrollSeconds: [4, 3, 5], enrollHopSeconds: 1, gapSeconds: 1, testHopSeconds: 0.5 };

/** Mean, min and max over channels. */
export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** One machine at one enrollment length. */
export interface MimiiMachineResult {
  readonly machine: string;
  readonly enrollSeconds: number;
  readonly enrollClips: number;
  /** Held-out normal and abnormal clips per channel. */
  readonly normalClips: number;
  readonly abnormalClips: number;
  /** AUC against the device's own baseline, one per channel. */
  readonly auc: readonly number[];
  readonly aucSpread: Spread;
  /** Held-out normal clips with a device score ≥ 0.5 (the model's threshold), all channels. */
  readonly falseAlarms: number;
  /** Abnormal clips with a device score ≥ 0.5, all channels. */
  readonly detected: number;
  /** Every device score, all channels (each channel against its own baseline), for a pooled ROC. */
  readonly scores: { readonly normal: readonly number[]; readonly abnormal: readonly number[] };
}

/** Fleet-only view of one machine (before enrollment), on every clip of both recordings. */
export interface MimiiFleetResult {
  readonly machine: string;
  /** Fleet AUC per channel. */
  readonly auc: readonly number[];
  readonly aucSpread: Spread;
  /** Median fleet score of the normal clips (all channels), as the model scores them. */
  readonly normalScoreMedian: number;
  /** Raw fleet errors of the normal clips (all channels), for leave-one-machine-out calibration. */
  readonly normalErrors: readonly number[];
}

/** Everything {@link evaluateMimii} measures. */
export interface MimiiEvaluation {
  readonly protocol: MimiiProtocol;
  /** Per enrollment length (protocol order), per machine. */
  readonly enrolled: readonly (readonly MimiiMachineResult[])[];
  readonly fleet: readonly MimiiFleetResult[];
}

/**
 * Scores MIMII machines with an exported acoustic model, the way a deployed device would be:
 * each channel is a device, enrolled with `fitBaseline` from the embeddings of its first
 * seconds (every enrollment clip is taken: the real machines are healthy there, which an
 * engineer commissioning them would confirm), then scored against its own baseline.
 */
export async function evaluateMimii(scorer: OnnxScorer, spec: BaselineSpec, machines: readonly MimiiMachine[], protocol: MimiiProtocol = MIMII_PROTOCOL): Promise<MimiiEvaluation> {
  const enrolled: MimiiMachineResult[][] = protocol.enrollSeconds.map(() => []);
  const fleet: MimiiFleetResult[] = [];
  for (const machine of machines) {
    const rate = machine.sampleRate;
    const fleetAucs: number[] = [];
    const normalScores: number[] = [];
    const normalErrors: number[] = [];
    const perSize = protocol.enrollSeconds.map(() => ({ auc: [] as number[], falseAlarms: 0, detected: 0, enrollClips: 0, normalClips: 0, abnormalClips: 0, scores: { normal: [] as number[], abnormal: [] as number[] } }));
    for (let ch = 0; ch < machine.normal.length; ch++) {
      const normal = machine.normal[ch]!;
      const abnormal = machine.abnormal[ch]!;
      const allNormal = cut(normal, rate, protocol.clipSeconds, 0, normal.length / rate, protocol.testHopSeconds);
      const allAbnormal = cut(abnormal, rate, protocol.clipSeconds, 0, abnormal.length / rate, protocol.testHopSeconds);
      const f = await scorer.run([...allNormal, ...allAbnormal], 64, noBaselines(spec, allNormal.length + allAbnormal.length));
      const fleetScore = f.extra['fleet_score']!;
      const fleetError = f.extra['fleet_error'] ?? f.error;
      fleetAucs.push(aucOf(Array.from(fleetScore.subarray(0, allNormal.length)), Array.from(fleetScore.subarray(allNormal.length))));
      normalScores.push(...fleetScore.subarray(0, allNormal.length));
      normalErrors.push(...fleetError.subarray(0, allNormal.length));

      for (const [s, seconds] of protocol.enrollSeconds.entries()) {
        const enrollment = cut(normal, rate, protocol.clipSeconds, 0, seconds, protocol.enrollHopSeconds);
        const embeddings = (await scorer.run(enrollment, 64, noBaselines(spec, enrollment.length))).extra['embedding']!;
        const baseline = fitBaseline(spec, enrollment.map((_, i) => embeddings.slice(i * spec.embedding, (i + 1) * spec.embedding)));
        const heldOut = cut(normal, rate, protocol.clipSeconds, seconds + protocol.gapSeconds, normal.length / rate, protocol.testHopSeconds);
        const items = [...heldOut, ...allAbnormal];
        const feeds: BaselineFeeds = { ...noBaselines(spec, items.length), perItem: items.map(() => baseline) };
        const device = (await scorer.run(items, 64, feeds)).score;
        const n = Array.from(device.subarray(0, heldOut.length));
        const a = Array.from(device.subarray(heldOut.length));
        const r = perSize[s]!;
        r.auc.push(aucOf(n, a));
        r.falseAlarms += n.filter((v) => v >= 0.5).length;
        r.detected += a.filter((v) => v >= 0.5).length;
        r.scores.normal.push(...n);
        r.scores.abnormal.push(...a);
        r.enrollClips = enrollment.length;
        r.normalClips = heldOut.length;
        r.abnormalClips = a.length;
      }
    }
    perSize.forEach((r, s) => enrolled[s]!.push({ machine: machine.name, enrollSeconds: protocol.enrollSeconds[s]!, ...r, aucSpread: spread(r.auc) }));
    fleet.push({ machine: machine.name, auc: fleetAucs, aucSpread: spread(fleetAucs), normalScoreMedian: quantile(normalScores, 0.5), normalErrors });
  }
  return { protocol, enrolled, fleet };
}

/**
 * The median fleet score each machine's normal clips would get from a fleet calibration that
 * never saw that machine: `fitCalibration` is given the normal fleet errors of the *other*
 * machines (the shipped model's calibration saw them all, so its own medians are in-sample).
 */
export function leaveOneMachineOutFleetMedians(evaluation: MimiiEvaluation, fitCalibration: (otherMachinesNormalErrors: readonly number[]) => LogisticCalibration): Record<string, number> {
  const out: Record<string, number> = {};
  for (const held of evaluation.fleet) {
    const others = evaluation.fleet.filter((m) => m !== held).flatMap((m) => m.normalErrors);
    const calibration = fitCalibration(others);
    out[held.machine] = quantile(held.normalErrors.map((e) => calibrate(calibration, e)), 0.5);
  }
  return out;
}

/** Clips of `clipSeconds` fully inside [from, to) seconds, starting every `hopSeconds`. */
export function cut(signal: Float32Array, rate: number, clipSeconds: number, from: number, to: number, hopSeconds: number): Float32Array[] {
  const length = Math.round(clipSeconds * rate);
  const end = Math.min(Math.round(to * rate), signal.length);
  const clips: Float32Array[] = [];
  for (let start = Math.round(from * rate); start + length <= end; start = Math.round(start + hopSeconds * rate)) clips.push(signal.slice(start, start + length));
  return clips;
}

function aucOf(normal: readonly number[], abnormal: readonly number[]): number {
  return auc([...normal.map((score) => ({ score, anomalous: false })), ...abnormal.map((score) => ({ score, anomalous: true }))]);
}

function spread(values: readonly number[]): Spread {
  return { mean: values.reduce((a, v) => a + v, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/** Fleet errors of every normal clip of every channel (hop `testHopSeconds`): the real share of the fleet calibration. */
export async function mimiiNormalFleetErrors(scorer: OnnxScorer, spec: BaselineSpec, machines: readonly MimiiMachine[], protocol: MimiiProtocol = MIMII_PROTOCOL): Promise<number[]> {
  const clips = machines.flatMap((m) => m.normal.flatMap((signal) => cut(signal, m.sampleRate, protocol.clipSeconds, 0, signal.length / m.sampleRate, protocol.testHopSeconds)));
  const out = await scorer.run(clips, 64, noBaselines(spec, clips.length));
  return Array.from(out.extra['fleet_error'] ?? out.error);
}
