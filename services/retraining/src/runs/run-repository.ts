import { type Kysely } from 'kysely';
import { isUniqueViolation, type Database, type Json, type RetrainingRun, type RetrainingRunStatus } from '@premonitor/db';

/** What a run row says, as the API shows it. */
export interface RunRecord {
  readonly id: number;
  readonly kind: string;
  readonly status: RetrainingRunStatus;
  readonly reason: string;
  readonly trigger: string;
  readonly params: Json;
  readonly leaseOwner: string;
  readonly leaseExpiresAt: Date;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly progress: Json | null;
  readonly result: Json | null;
  readonly candidateVersion: string | null;
  readonly error: string | null;
}

/** A new run: who holds its kind's lease and until when. */
export interface NewRun {
  readonly kind: string;
  readonly reason: string;
  readonly trigger: string;
  readonly params: Json;
  readonly owner: string;
  readonly now: Date;
  readonly leaseMs: number;
}

/** `retraining_runs` (thin Kysely wrapper); a running row is its kind's lease. */
export const runRepository = {
  /**
   * Frees the kind of a run whose owner stopped renewing its lease (the process died), marking
   * it failed, then inserts the new run. When another live run holds the kind: `{ running }`.
   */
  async start(db: Kysely<Database>, r: NewRun): Promise<{ run: RunRecord } | { running: RunRecord }> {
    await runRepository.expire(db, r.now, r.kind);
    try {
      const row = await db
        .insertInto('retraining_runs')
        .values({ kind: r.kind, reason: r.reason, trigger: r.trigger, params: JSON.stringify(r.params), lease_owner: r.owner, lease_expires_at: new Date(r.now.getTime() + r.leaseMs), started_at: r.now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { run: toRecord(row) };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const running = await db.selectFrom('retraining_runs').selectAll().where('kind', '=', r.kind).where('status', '=', 'running').executeTakeFirst();
      // The running run finished between the insert and this read: the caller may try again.
      if (!running) throw err;
      return { running: toRecord(running) };
    }
  },

  /** Marks failed every running run (of `kind`, or all) whose lease ran out before `now`; returns them. */
  async expire(db: Kysely<Database>, now: Date, kind?: string): Promise<RunRecord[]> {
    let q = db
      .updateTable('retraining_runs')
      .set({ status: 'failed', finished_at: now, error: 'the process running it stopped renewing its lease (it died or was killed); the kind is free again' })
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', now);
    if (kind !== undefined) q = q.where('kind', '=', kind);
    return (await q.returningAll().execute()).map(toRecord);
  },

  /** Extends the lease while the owner still holds a running run; false when it was cancelled or expired. */
  async renew(db: Kysely<Database>, id: number, owner: string, until: Date, progress?: Json): Promise<boolean> {
    const res = await db
      .updateTable('retraining_runs')
      .set({ lease_expires_at: until, ...(progress === undefined ? {} : { progress: JSON.stringify(progress) }) })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  /** Ends a running run; false when it had already ended (cancelled meanwhile). */
  async finish(db: Kysely<Database>, id: number, end: { status: Exclude<RetrainingRunStatus, 'running'>; now: Date; result?: Json; candidateVersion?: string; error?: string }): Promise<boolean> {
    const res = await db
      .updateTable('retraining_runs')
      .set({ status: end.status, finished_at: end.now, result: end.result === undefined ? null : JSON.stringify(end.result), candidate_version: end.candidateVersion ?? null, error: end.error ?? null })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  async get(db: Kysely<Database>, id: number): Promise<RunRecord | undefined> {
    const row = await db.selectFrom('retraining_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  },

  /** Newest first. */
  async list(db: Kysely<Database>, filter: { kind?: string; limit: number }): Promise<RunRecord[]> {
    let q = db.selectFrom('retraining_runs').selectAll();
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    return (await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute()).map(toRecord);
  },

  /** When the last run of `kind` started (the threshold trigger counts samples after it). */
  async lastStart(db: Kysely<Database>, kind: string): Promise<Date | undefined> {
    const row = await db.selectFrom('retraining_runs').select('started_at').where('kind', '=', kind).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    return row?.started_at;
  },
};

function toRecord(r: RetrainingRun): RunRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    status: r.status,
    reason: r.reason,
    trigger: r.trigger,
    params: r.params,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    progress: r.progress,
    result: r.result,
    candidateVersion: r.candidate_version,
    error: r.error,
  };
}
