import type { Kysely } from 'kysely';
import type { Database, Json, ModelRollout, ModelRolloutStatus } from '@premonitor/db';

/** `model_rollouts` (thin Kysely wrapper): one row per watch, its outcome the record of a rollback. */
export const rolloutRepository = {
  async open(db: Kysely<Database>, w: { kind: string; version: string; previousVersion: string; startedAt: Date; endsAt: Date }): Promise<number> {
    const row = await db
      .insertInto('model_rollouts')
      .values({ kind: w.kind, version: w.version, previous_version: w.previousVersion, started_at: w.startedAt, ends_at: w.endsAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  },

  /** Ends the kind's open watch: a newer promotion replaced its model. */
  async supersede(db: Kysely<Database>, kind: string, now: Date): Promise<void> {
    await db
      .updateTable('model_rollouts')
      .set({ status: 'superseded', decided_at: now, decision: JSON.stringify({ reasons: ['another promotion replaced the model during its watch'] }) })
      .where('kind', '=', kind)
      .where('status', '=', 'watching')
      .execute();
  },

  /** Records the outcome of a watch still open; false when it had ended already. */
  async decide(db: Kysely<Database>, id: number, status: Exclude<ModelRolloutStatus, 'watching'>, frames: number, decision: Json, now: Date): Promise<boolean> {
    const res = await db
      .updateTable('model_rollouts')
      .set({ status, frames, decision: JSON.stringify(decision), decided_at: now })
      .where('id', '=', id)
      .where('status', '=', 'watching')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  async watching(db: Kysely<Database>): Promise<ModelRollout[]> {
    return db.selectFrom('model_rollouts').selectAll().where('status', '=', 'watching').execute();
  },

  /** Newest first. */
  async list(db: Kysely<Database>, filter: { kind?: string; limit: number }): Promise<ModelRollout[]> {
    let q = db.selectFrom('model_rollouts').selectAll();
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  },
};
