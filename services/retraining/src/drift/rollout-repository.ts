import { sql, type Kysely } from 'kysely';
import type { Database, Json, ModelRollout, ModelRolloutStatus } from '@premonitor/db';

/** One frame of a watched model, as the watch counts it. */
export interface RolloutFrame {
  readonly deviceId: string;
  readonly site: string;
  readonly device: string;
  /** Scored above the alert score. */
  readonly over: boolean;
  /** Its bin in the previous model's reference (none without a reference). */
  readonly bin: number | undefined;
}

/** What every replica counted into a watch so far. */
export interface RolloutTally {
  readonly devices: readonly { readonly deviceId: string; readonly site: string; readonly device: string; readonly frames: number; readonly over: number }[];
  /** Frames per reference bin (`bins` long). */
  readonly counts: number[];
}

/**
 * `model_rollouts`, `model_rollout_devices`, `model_rollout_bins` (thin Kysely wrapper): one row
 * per watch, its outcome the record of a rollback, and the frames every replica counted into it.
 */
export const rolloutRepository = {
  /** Opens a watch of `version`; when one is open already (another replica heard the same promotion), that one's id. */
  async open(db: Kysely<Database>, w: { kind: string; version: string; previousVersion: string; startedAt: Date; endsAt: Date }): Promise<number> {
    const row = await db
      .insertInto('model_rollouts')
      .values({ kind: w.kind, version: w.version, previous_version: w.previousVersion, started_at: w.startedAt, ends_at: w.endsAt })
      .onConflict((oc) => oc.column('kind').where('status', '=', 'watching').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) return Number(row.id);
    const open = await rolloutRepository.watchingOf(db, w.kind);
    if (open?.version !== w.version) throw new Error(`a watch of ${w.kind} ${open?.version ?? '(none)'} is open; ${w.version} cannot be watched now`);
    return Number(open.id);
  },

  /** Ends the kind's open watch of another version: a newer promotion replaced its model. */
  async supersede(db: Kysely<Database>, kind: string, version: string, now: Date): Promise<void> {
    await db
      .updateTable('model_rollouts')
      .set({ status: 'superseded', decided_at: now, decision: JSON.stringify({ reasons: ['another promotion replaced the model during its watch'] }) })
      .where('kind', '=', kind)
      .where('status', '=', 'watching')
      .where('version', '<>', version)
      .execute();
  },

  /** The kind's open watch, if any. */
  async watchingOf(db: Kysely<Database>, kind: string): Promise<ModelRollout | undefined> {
    return db.selectFrom('model_rollouts').selectAll().where('kind', '=', kind).where('status', '=', 'watching').executeTakeFirst();
  },

  /**
   * Counts one frame into a watch still open and not being rolled back, in one transaction;
   * returns the watch's frames so far, or undefined when it has ended (decided by any replica).
   */
  async count(db: Kysely<Database>, id: number, f: RolloutFrame): Promise<number | undefined> {
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('model_rollouts')
        .set((eb) => ({ frames: eb('frames', '+', 1) }))
        .where('id', '=', id)
        .where('status', '=', 'watching')
        .where('rollback_claimed_at', 'is', null)
        .returning('frames')
        .executeTakeFirst();
      if (!row) return undefined;
      await trx
        .insertInto('model_rollout_devices')
        .values({ rollout_id: id, device_id: f.deviceId, site: f.site, device: f.device, frames: 1, over: f.over ? 1 : 0 })
        .onConflict((oc) => oc.columns(['rollout_id', 'device_id']).doUpdateSet({ frames: sql`model_rollout_devices.frames + 1`, over: sql`model_rollout_devices.over + excluded.over` }))
        .execute();
      if (f.bin !== undefined) {
        await trx
          .insertInto('model_rollout_bins')
          .values({ rollout_id: id, bin: f.bin, count: 1 })
          .onConflict((oc) => oc.columns(['rollout_id', 'bin']).doUpdateSet({ count: sql`model_rollout_bins.count + 1` }))
          .execute();
      }
      return row.frames;
    });
  },

  /** The devices and bin counts of a watch (`bins`: the reference's bin count). */
  async tally(db: Kysely<Database>, id: number, bins: number): Promise<RolloutTally> {
    const devices = await db.selectFrom('model_rollout_devices').select(['device_id', 'site', 'device', 'frames', 'over']).where('rollout_id', '=', id).orderBy('device_id').execute();
    const counts = new Array<number>(bins).fill(0);
    for (const b of await db.selectFrom('model_rollout_bins').select(['bin', 'count']).where('rollout_id', '=', id).execute()) if (b.bin < bins) counts[b.bin] = b.count;
    return { devices: devices.map((d) => ({ deviceId: d.device_id, site: d.site, device: d.device, frames: d.frames, over: d.over })), counts };
  },

  /** Claims the rollback of an open watch: true for exactly one caller (replica), which then rolls back and publishes. */
  async claimRollback(db: Kysely<Database>, id: number, now: Date): Promise<boolean> {
    const res = await db.updateTable('model_rollouts').set({ rollback_claimed_at: now }).where('id', '=', id).where('status', '=', 'watching').where('rollback_claimed_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  /** Whether `restored` became production through a rollback of `from` by a watch (its own promotion event is then not watched). */
  async restoredByWatch(db: Kysely<Database>, kind: string, restored: string, from: string): Promise<boolean> {
    const row = await db
      .selectFrom('model_rollouts')
      .select('id')
      .where('kind', '=', kind)
      .where('version', '=', from)
      .where('previous_version', '=', restored)
      .where('rollback_claimed_at', 'is not', null)
      .where('status', 'in', ['watching', 'rolled_back'])
      .executeTakeFirst();
    return row !== undefined;
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
