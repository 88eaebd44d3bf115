import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { Database, Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { BackupCorruptError, BackupNotFoundError, RegistryError, type ModelRegistry, type RegistryBackups } from '@premonitor/registry';
import { TRIAGE_TARGETS, TriageRecordSet, triageRecordSchema, type MergeCounts, type TriageRecord } from '@premonitor/training/triage';
import type { Clock } from '@premonitor/time';
import { runRepository, type RunRecord } from '../runs/run-repository.js';
import { triageRecordRepository } from './triage-record-repository.js';
import type { TriageScorer } from './triage-scorer.js';
import type { TriageTrainJob, TriageTrainMessage } from './triage-train-worker.js';

/** The registry kind and run kind of the triage model. */
export const TRIAGE_KIND = 'triage';
/** Where a triage backup keeps the training records beside the models. */
const RECORDS_ATTACHMENT = 'triage_records';

/** Settings and collaborators of {@link TriageTraining}. */
export interface TriageTrainingOptions {
  readonly db: Kysely<Database>;
  readonly registry: ModelRegistry;
  readonly backups: RegistryBackups;
  readonly scorer: TriageScorer;
  readonly logger: Logger;
  readonly clock: Pick<Clock, 'now'>;
  /** This process's lease identity (the retraining runner's). */
  readonly owner: string;
  readonly leaseMs: number;
  readonly renewMs: number;
}

/** Why a training or restore did not start: another one holds the `triage` lease. */
export interface TriageBusy {
  readonly refused: 'running';
  readonly running: RunRecord;
}

/** A backup named for a triage restore is not one the triage service took. */
export class NotATriageBackupError extends RegistryError {
  override readonly name = 'NotATriageBackupError';
}

/**
 * Triage training as retraining runs of kind `triage` (issue 18): one at a time across
 * replicas (the run's lease), an automatic registry backup of the triage models and records
 * before each, training on every record kept so far plus the call's in a worker thread, then
 * the new model registered as production and the call's records stored — in that order, so a
 * failed training stores nothing. Restores take the same lease and are runs too
 * (trigger `restore`), so the history shows them.
 */
export class TriageTraining {
  readonly #o: TriageTrainingOptions;
  readonly #active = new Map<number, { worker: Worker; timer: NodeJS.Timeout; done: Promise<void> }>();

  constructor(options: TriageTrainingOptions) {
    this.#o = options;
  }

  /** Starts a training on `records` (already validated); answers at once, the run ends in the background. */
  async train(records: readonly TriageRecord[], reason: string): Promise<{ run: RunRecord; backup: string; counts: MergeCounts } | TriageBusy> {
    const now = new Date(this.#o.clock.now());
    const started = await runRepository.start(this.#o.db, { kind: TRIAGE_KIND, reason, trigger: 'manual', params: { records: records.length }, owner: this.#o.owner, now, leaseMs: this.#o.leaseMs });
    if ('running' in started) return { refused: 'running', running: started.running };
    const run = started.run;
    let prepared: { set: TriageRecordSet; counts: MergeCounts; backup: string };
    try {
      // Read under the lease: a training that ended just before has stored its records by now.
      const existing = await triageRecordRepository.all(this.#o.db);
      const backup = (await this.#o.backups.create({ reason: `automatic, before triage run ${run.id}`, kinds: [TRIAGE_KIND], attachments: { [RECORDS_ATTACHMENT]: existing as unknown as Json } })).name;
      prepared = { ...new TriageRecordSet(existing).merge(records), backup };
    } catch (err) {
      await this.#end(run.id, { status: 'failed', error: `the automatic backup before training failed: ${(err as Error).message}` });
      throw err;
    }
    const { set, counts, backup } = prepared;
    const version = `triage-${now.toISOString().replace(/[-:]|\.\d+/g, '').toLowerCase()}-r${run.id}`;
    const job: TriageTrainJob = { records: set.records, version, now: now.getTime() };
    const worker = new Worker(new URL('./triage-train-worker.js', import.meta.url), { workerData: job });
    const timer = setInterval(() => void this.#renew(run.id), this.#o.renewMs);
    timer.unref();
    const log = this.#o.logger.child({ run: run.id, kind: TRIAGE_KIND });
    log.info({ ...counts, backup, version }, 'triage training started');
    const startedAt = performance.now();
    const done = new Promise<void>((resolve) => {
      let ended = false;
      const finish = (work: Promise<unknown>) => {
        ended = true;
        void work.catch((err: unknown) => log.error({ err }, 'triage run could not be ended')).finally(() => (clearInterval(timer), this.#active.delete(run.id), void worker.terminate(), resolve()));
      };
      worker.once('message', (m: TriageTrainMessage) => finish(m.type === 'done' ? this.#conclude(run, m, { records, counts, backup, trainS: (performance.now() - startedAt) / 1000 }) : this.#end(run.id, { status: 'failed', error: `triage training failed: ${m.error}` })));
      worker.once('error', (err) => ended || finish(this.#end(run.id, { status: 'failed', error: `the triage training worker failed: ${err.message}` })));
      worker.once('exit', (code) => {
        if (ended) return;
        // Stopped or cancelled: whoever terminated the worker ended the run.
        if (this.#active.has(run.id)) finish(this.#end(run.id, { status: 'failed', error: `the triage training worker exited with code ${code}` }));
        else resolve();
      });
    });
    this.#active.set(run.id, { worker, timer, done });
    return { run, backup, counts };
  }

  /**
   * Puts the triage models and training records back as a triage backup holds them, in one
   * transaction (a damaged backup or one not taken by triage changes nothing), then scores
   * with the restored production model.
   */
  async restore(name: string, reason: string): Promise<{ run: RunRecord; production: string | null; records: number } | TriageBusy> {
    if (!(await this.#o.backups.find(name))) throw new BackupNotFoundError(`no registry backup named '${name}'`);
    const now = new Date(this.#o.clock.now());
    const started = await runRepository.start(this.#o.db, { kind: TRIAGE_KIND, reason, trigger: 'restore', params: { backup: name }, owner: this.#o.owner, now, leaseMs: this.#o.leaseMs });
    if ('running' in started) return { refused: 'running', running: started.running };
    const run = started.run;
    let records = 0;
    try {
      const outcome = await this.#o.backups.restore(name, {
        reason,
        within: async (trx, content) => {
          const attached = content.attachments[RECORDS_ATTACHMENT];
          if (content.kinds.length !== 1 || content.kinds[0] !== TRIAGE_KIND || !Array.isArray(attached)) {
            throw new NotATriageBackupError(`backup '${name}' was not taken by the triage service (kinds ${content.kinds.join(', ') || 'none'}); restore it with POST /api/v1/models/backups/${name}/restore`);
          }
          const parsed = attached.map((r, i) => {
            const record = triageRecordSchema.safeParse(r);
            if (!record.success) throw new BackupCorruptError(`training record ${i + 1} in backup '${name}' is invalid: ${record.error.issues[0]?.message ?? 'unknown'}`);
            return record.data as TriageRecord;
          });
          await triageRecordRepository.replaceAll(trx, parsed, now);
          records = parsed.length;
        },
      });
      const production = outcome.production.find((p) => p.kind === TRIAGE_KIND)?.version ?? null;
      await this.#end(run.id, { status: 'succeeded', result: { restored_from: name, production, records } });
      await this.#o.scorer.reload();
      return { run: (await runRepository.get(this.#o.db, run.id))!, production, records };
    } catch (err) {
      await this.#end(run.id, { status: 'failed', error: `restore from '${name}' failed, nothing changed: ${(err as Error).message}` });
      throw err;
    }
  }

  /** Waits for the trainings this process runs (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.done));
  }

  /** Stops every training of this process; its runs are failed, so nothing stays running. */
  async stop(): Promise<void> {
    for (const [id, active] of [...this.#active]) {
      this.#active.delete(id);
      clearInterval(active.timer);
      await active.worker.terminate();
      await this.#end(id, { status: 'failed', error: 'the retraining service stopped during the triage training' });
    }
  }

  async #conclude(run: RunRecord, done: Extract<TriageTrainMessage, { type: 'done' }>, call: { records: readonly TriageRecord[]; counts: MergeCounts; backup: string; trainS: number }): Promise<void> {
    const parent = (await this.#o.registry.production(TRIAGE_KIND))?.version ?? null;
    const { report } = done;
    const lineage = { parent, data_fingerprint: report.training_data_fingerprint, records: report.records, records_added: call.counts.added, records_updated: call.counts.updated, backup: call.backup };
    try {
      // Experts' scores are the ground truth here and there is no held-out set to judge by, so the new model is promoted.
      await this.#o.registry.register({ kind: TRIAGE_KIND, bytes: done.bytes, metrics: { records: report.records, vocabulary: report.vocabulary }, metadata: { retraining_run: run.id, lineage, report: report as unknown as Json }, promote: true });
    } catch (err) {
      await this.#end(run.id, { status: 'failed', error: `the triage model could not be registered: ${(err as Error).message}` });
      return;
    }
    const now = new Date(this.#o.clock.now());
    const result = {
      records_added: call.counts.added,
      records_updated: call.counts.updated,
      records_unchanged: call.counts.unchanged,
      records_total: call.counts.total,
      models_retrained: TRIAGE_TARGETS.map((t) => t.name),
      model_version: report.version,
      backup: call.backup,
      train_s: Math.round(call.trainS * 1000) / 1000,
      score_counts: report.score_counts,
    } as unknown as Json;
    const stored = await this.#o.db.transaction().execute(async (trx) => {
      // Cancelled meanwhile: the records are not stored (the registered model stays a registry entry).
      if (!(await runRepository.finish(trx, run.id, { status: 'succeeded', now, result, candidateVersion: report.version }))) return false;
      await triageRecordRepository.upsert(trx, call.records, run.id, now);
      return true;
    });
    this.#o.logger.info({ run: run.id, version: report.version, records: report.records, stored }, stored ? 'triage model trained and promoted' : 'triage run ended elsewhere; its records were not stored');
    await this.#o.scorer.reload();
  }

  async #end(id: number, end: { status: 'succeeded' | 'failed'; result?: Json; error?: string }): Promise<void> {
    await runRepository.finish(this.#o.db, id, { ...end, now: new Date(this.#o.clock.now()) });
    if (end.error) this.#o.logger.warn({ run: id, error: end.error }, 'triage run failed');
  }

  async #renew(id: number): Promise<void> {
    const now = this.#o.clock.now();
    try {
      const held = await runRepository.renew(this.#o.db, id, this.#o.owner, new Date(now + this.#o.leaseMs));
      const active = this.#active.get(id);
      if (!held && active) {
        // Cancelled (POST /retraining/runs/{id}/cancel) or expired: stop training; the row says why.
        this.#active.delete(id);
        clearInterval(active.timer);
        await active.worker.terminate();
      }
    } catch (err) {
      this.#o.logger.warn({ err, run: id }, 'triage lease renewal failed; retrying at the next tick');
    }
  }
}
