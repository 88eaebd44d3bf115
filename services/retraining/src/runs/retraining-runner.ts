import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database, Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { FileArtifactStore, type ModelRegistry } from '@premonitor/registry';
import type { Clock } from '@premonitor/time';
import { scoreReferenceOf, scoreReferenceRepository, spectrumReferenceRepository } from '../drift/score-reference.js';
import { judgeCandidate, type GatePolicy } from './promotion-gate.js';
import { runRepository, type RunRecord } from './run-repository.js';
import type { RunSample } from './thermal-samples.js';
import type { TrainJob, TrainMessage } from './train-job.js';
import { trainingSetOf, trainingSetProblem } from './training-set.js';
import { LOWEST_PRIORITY, startTraining, type TrainIsolation, type TrainProcess } from './train-process.js';

/** The kinds a run can train: thermal (real IR images) and acoustic (the generated corpus plus labelled clips). */
export const TRAINABLE_KINDS = ['thermal', 'acoustic'] as const;
export type TrainableKind = (typeof TRAINABLE_KINDS)[number];

/** The seed of the by-device split: fixed, so a device stays on its side from run to run. */
const SPLIT_SEED = 1;

/** Settings and collaborators of {@link RetrainingRunner}. */
export interface RetrainingRunnerOptions {
  readonly db: Kysely<Database>;
  readonly registry: ModelRegistry;
  readonly sampleStoreDir: string;
  readonly logger: Logger;
  readonly clock: Pick<Clock, 'now'>;
  /** This process's lease identity (host:pid:random). */
  readonly owner: string;
  /** How long a lease lasts without renewal; a run whose owner died is failed after this. */
  readonly leaseMs: number;
  /** How often the owner renews its leases (and looks for expired ones). */
  readonly renewMs: number;
  readonly heldOutFraction: number;
  /** Fewest labelled samples (with both labels) a run needs. */
  readonly minSamples: number;
  readonly gate: (kind: string) => GatePolicy;
  /** How a candidate's reference score distribution is cut (its held-out normal scores; drift and rollout watches compare with it). */
  readonly scoreReference: { readonly bins: number; readonly alertScore: number };
  /** Where runs train (default `process`: a niced child process, see {@link TrainIsolation}). */
  readonly isolation?: TrainIsolation;
  /** The training's CPU priority, a nice value 0–19 (default 19, the lowest: scoring and the API come first). */
  readonly trainNice?: number;
}

/** What a client asks for. */
export interface RunRequest {
  readonly kind: TrainableKind;
  readonly reason: string;
  readonly trigger?: 'manual' | 'threshold' | 'schedule' | 'drift';
  readonly epochs?: number;
  readonly quick?: boolean;
  readonly shuffleLabels?: boolean;
  readonly invertLabels?: boolean;
  readonly trainDevices?: readonly string[];
}

/** An event of a run, for its server-sent event stream. */
export type RunEvent = { readonly type: 'log'; readonly line: string } | { readonly type: 'progress'; readonly progress: Json } | { readonly type: 'end'; readonly run: RunRecord };

/**
 * Why a run could not start: another is running; too few samples; `trainDevices` not known
 * as devices (`unknown`); or a training set that cannot train the kind (`training-set`: the
 * devices match no training sample, or leave a class the kind needs without samples).
 */
export type StartRefusal =
  | { readonly refused: 'running'; readonly running: RunRecord }
  | { readonly refused: 'samples' | 'training-set'; readonly message: string }
  | { readonly refused: 'unknown-devices'; readonly devices: readonly string[]; readonly message: string };

interface ActiveRun {
  readonly worker: TrainProcess;
  progress: Json | null;
  cancelled: boolean;
  readonly listeners: Set<(e: RunEvent) => void>;
}

/**
 * Starts retraining runs: one per kind across replicas (the `retraining_runs` lease), each
 * trained in a child process at the lowest CPU priority while this process renews its lease and records progress. A run
 * ends with a candidate in the registry and the champion/challenger gate's decision; the
 * candidate becomes production only when the gate says so. A run whose lease runs out (its
 * process died) is failed by the next replica that looks; a run cancelled from any replica
 * stops at the owner's next renewal.
 */
export class RetrainingRunner {
  readonly #o: RetrainingRunnerOptions;
  readonly #active = new Map<number, ActiveRun>();
  /** Database work started by worker events and the renewal tick; `stop` waits for it. */
  readonly #pending = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RetrainingRunnerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer = setInterval(() => this.#track(this.#renew()), this.#o.renewMs);
    this.#timer.unref();
    this.#track(this.#renew());
  }

  /** Starts a run, or says why not (another running, unknown devices, too few samples, no training data). Every refusal comes before the lease: no row, nothing held. */
  async run(req: RunRequest): Promise<{ run: RunRecord } | StartRefusal> {
    if (req.trainDevices) {
      const known = new Set((await this.#o.db.selectFrom('devices').select('id').where('id', 'in', [...req.trainDevices]).execute()).map((d) => d.id));
      const unknown = req.trainDevices.filter((d) => !known.has(d));
      if (unknown.length > 0) return { refused: 'unknown-devices', devices: unknown, message: `trainDevices: unknown devices ${unknown.join(', ')}` };
    }
    const samples = await this.#samples(req.kind);
    const normal = samples.filter((s) => s.label === 'normal').length;
    if (samples.length < this.#o.minSamples || normal === 0 || normal === samples.length) {
      return { refused: 'samples', message: `a ${req.kind} run needs at least ${this.#o.minSamples} labelled samples with both labels; there are ${samples.length} (${normal} normal)` };
    }
    const split = { kind: req.kind, heldOutFraction: this.#o.heldOutFraction, splitSeed: SPLIT_SEED, shuffleLabels: req.shuffleLabels ?? false, invertLabels: req.invertLabels ?? false, ...(req.trainDevices ? { trainDevices: req.trainDevices } : {}) };
    const problem = trainingSetProblem(samples, split);
    if (problem) return { refused: 'training-set', message: problem };
    const trainSamples = trainingSetOf(samples, split).train.length;
    const now = new Date(this.#o.clock.now());
    const params = { epochs: req.epochs ?? null, quick: req.quick ?? false, shuffleLabels: req.shuffleLabels ?? false, invertLabels: req.invertLabels ?? false, trainDevices: req.trainDevices ? [...req.trainDevices] : null, samples: samples.length, trainSamples };
    const started = await runRepository.start(this.#o.db, { kind: req.kind, reason: req.reason, trigger: req.trigger ?? 'manual', params, owner: this.#o.owner, now, leaseMs: this.#o.leaseMs });
    if ('running' in started) return { refused: 'running', running: started.running };
    const run = started.run;
    const champion = await this.#o.registry.loadProduction(req.kind);
    const job: TrainJob = {
      sampleStoreDir: resolve(this.#o.sampleStoreDir),
      samples,
      ...(champion ? { champion: { version: champion.record.version, bytes: champion.bytes } } : {}),
      ...(req.epochs === undefined ? {} : { epochs: req.epochs }),
      quick: req.quick ?? false,
      ...split,
      nice: this.#o.trainNice ?? LOWEST_PRIORITY,
      now: now.getTime(),
    };
    const worker = startTraining(job, this.#o.isolation ?? 'process');
    const active: ActiveRun = { worker, progress: null, cancelled: false, listeners: new Set() };
    this.#active.set(run.id, active);
    const log = this.#o.logger.child({ run: run.id, kind: run.kind });
    log.info({ reason: run.reason, samples: samples.length, champion: champion?.record.version ?? null }, 'retraining run started');
    const startedAt = performance.now();
    let ended = false;
    worker.onMessage((m: TrainMessage) => {
      if (m.type === 'log') {
        log.info(m.line);
        this.#emit(active, { type: 'log', line: m.line });
      } else if (m.type === 'epoch') {
        const elapsed = (performance.now() - startedAt) / 1000;
        active.progress = { epoch: m.epoch, epochs: m.epochs, loss: round(m.loss), elapsed_s: round(elapsed), eta_s: round((m.elapsedS / m.epoch) * (m.epochs - m.epoch)) };
        log.info(active.progress, 'retraining epoch');
        this.#emit(active, { type: 'progress', progress: active.progress });
      } else if (m.type === 'done') {
        ended = true;
        this.#track(this.#conclude(run, m, (performance.now() - startedAt) / 1000).finally(() => void worker.terminate()));
      } else {
        ended = true;
        this.#track(this.#end(run.id, { status: 'failed', error: m.error }));
      }
    });
    worker.onError((err) => {
      ended = true;
      this.#track(this.#end(run.id, { status: 'failed', error: `the training process failed: ${err.message}` }));
    });
    worker.onExit((code, signal) => {
      // A cancelled or stopped run's row was ended by whoever terminated the worker.
      // SIGKILL that nobody here sent is most often the kernel's out-of-memory killer: it picks the training process, not the service.
      const how = signal === 'SIGKILL' ? 'was killed (SIGKILL: out of memory?)' : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      if (!ended && !active.cancelled) this.#track(this.#end(run.id, { status: 'failed', error: `the training process ${how}` }));
    });
    return { run };
  }

  /** Cancels a running run (on any replica: the owner stops it at its next renewal). */
  async cancel(id: number): Promise<RunRecord | undefined> {
    const active = this.#active.get(id);
    if (active) {
      active.cancelled = true;
      await active.worker.terminate();
      await this.#end(id, { status: 'cancelled', error: 'cancelled' });
    } else await runRepository.finish(this.#o.db, id, { status: 'cancelled', now: new Date(this.#o.clock.now()), error: 'cancelled' });
    return runRepository.get(this.#o.db, id);
  }

  /** Listens to a run this process trains; undefined when it trains elsewhere or has ended. */
  subscribe(id: number, listener: (e: RunEvent) => void): (() => void) | undefined {
    const active = this.#active.get(id);
    if (!active) return undefined;
    active.listeners.add(listener);
    return () => active.listeners.delete(listener);
  }

  /** Stops every worker; their runs are failed ("service stopped"), so nothing stays running. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const [id, active] of [...this.#active]) {
      active.cancelled = true;
      await active.worker.terminate();
      await this.#end(id, { status: 'failed', error: 'the retraining service stopped during the run' });
    }
    await Promise.allSettled([...this.#pending]);
  }

  #track(work: Promise<unknown>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  async #samples(kind: string): Promise<RunSample[]> {
    const rows = await this.#o.db.selectFrom('samples').select(['id', 'sha256', 'label', 'fault_class', 'device_id', 'format', 'metadata']).where('kind', '=', kind).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), sha256: r.sha256, label: r.label === 'normal' ? 'normal' : 'anomalous', faultClass: r.fault_class, device: r.device_id, format: r.format, channel: channelOf(r.metadata) }));
  }

  async #conclude(run: RunRecord, done: Extract<TrainMessage, { type: 'done' }>, trainS: number): Promise<void> {
    try {
      const { evaluation } = done;
      const decision = judgeCandidate(evaluation.candidate, evaluation.champion, this.#o.gate(run.kind), evaluation.championNote);
      const metrics = Object.fromEntries(Object.entries(evaluation.candidate).map(([k, v]) => [`held_out_${k}`, v]));
      // The chart is a run artifact beside the samples (content-addressed; the run's result names it).
      const chart = await new FileArtifactStore(this.#o.sampleStoreDir).put(done.chart);
      // `promote: false`: even the first model of a kind becomes production only through the gate.
      const candidate = await this.#o.registry.register({ kind: run.kind, bytes: done.bytes, metrics, metadata: { retraining_run: run.id, lineage: done.lineage, report_chart: `/api/v1/retraining/runs/${run.id}/report.png` }, promote: false });
      const { bins, alertScore } = this.#o.scoreReference;
      // Stored before the candidate can become production, so its watches have a reference from the start.
      if (done.normalScores.length >= bins) await scoreReferenceRepository.save(this.#o.db, scoreReferenceOf(run.kind, candidate.version, 'held-out', done.normalScores, bins, alertScore));
      if (done.inputSpectrum) await spectrumReferenceRepository.save(this.#o.db, run.kind, candidate.version, done.inputSpectrum);
      const promoted = decision.promote && (await this.#o.registry.promote(run.kind, candidate.version)).stage === 'production';
      const result = { train_s: round(trainS), training_rss_max_mib: done.peakRssMiB, evaluation, gate: decision, candidate: candidate.version, promoted, report_chart: chart.sha256 } as unknown as Json;
      this.#o.logger.info({ run: run.id, candidate: candidate.version, promoted, reasons: decision.reasons }, promoted ? 'retraining candidate promoted' : 'retraining candidate kept as candidate');
      await this.#end(run.id, { status: 'succeeded', result, candidateVersion: candidate.version });
    } catch (err) {
      await this.#end(run.id, { status: 'failed', error: `the candidate could not be registered or judged: ${(err as Error).message}` });
    }
  }

  async #end(id: number, end: { status: 'succeeded' | 'failed' | 'cancelled'; result?: Json; candidateVersion?: string; error?: string }): Promise<void> {
    const active = this.#active.get(id);
    this.#active.delete(id);
    await runRepository.finish(this.#o.db, id, { ...end, now: new Date(this.#o.clock.now()) });
    const run = await runRepository.get(this.#o.db, id);
    if (run) this.#o.logger.info({ run: id, status: run.status, error: run.error }, 'retraining run ended');
    if (active && run) this.#emit(active, { type: 'end', run });
  }

  #emit(active: ActiveRun, e: RunEvent): void {
    for (const l of active.listeners) l(e);
  }

  async #renew(): Promise<void> {
    const now = this.#o.clock.now();
    try {
      for (const expired of await runRepository.expire(this.#o.db, new Date(now))) this.#o.logger.warn({ run: expired.id, kind: expired.kind, owner: expired.leaseOwner }, 'retraining run failed: its lease expired');
      for (const [id, active] of [...this.#active]) {
        const held = await runRepository.renew(this.#o.db, id, this.#o.owner, new Date(now + this.#o.leaseMs), active.progress ?? undefined);
        if (!held && this.#active.has(id)) {
          // Cancelled (or expired) from elsewhere: stop training; the row already says why.
          active.cancelled = true;
          this.#active.delete(id);
          await active.worker.terminate();
          const run = await runRepository.get(this.#o.db, id);
          if (run) this.#emit(active, { type: 'end', run });
        }
      }
    } catch (err) {
      this.#o.logger.warn({ err }, 'retraining lease renewal failed; retrying at the next tick');
    }
  }
}

/** The WAV channel an acoustic sample's upload chose (its metadata summary), else null. */
function channelOf(metadata: Json | null): number | null {
  const channel = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata['channel'] : undefined;
  return typeof channel === 'number' ? channel : null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
