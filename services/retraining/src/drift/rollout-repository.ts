import { sql, type Kysely } from 'kysely';
import type { Database, Json, ModelRollout, ModelRolloutStatus } from '@premonitor/db';

/** One frame of a watched model, as the watch counts it. */
export interface RolloutFrame {
  readonly deviceId: string;
  readonly site: string;
  readonly device: string;
  /** The frame's identity within its device (the score event's `seq` and `ts`): a redelivered frame counts once. */
  readonly seq: number;
  readonly ts: number;
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
    await rolloutRepository.dropFrameKeys(db);
  },

  /** The kind's open watch, if any. */
  async watchingOf(db: Kysely<Database>, kind: string): Promise<ModelRollout | undefined> {
    return db.selectFrom('model_rollouts').selectAll().where('kind', '=', kind).where('status', '=', 'watching').executeTakeFirst();
  },

  /**
   * Counts a batch of frames into a watch still open and not being rolled back, in one
   * statement; a frame already counted (the same device, `seq` and `ts`, by any replica) counts
   * nothing. Returns the watch's frames so far, or undefined when it has ended (decided by any
   * replica) or its rollback is claimed. The watch's row is locked first, so concurrent batches
   * of replicas and a claim are serialised on it.
   */
  async count(db: Kysely<Database>, id: number, frames: readonly RolloutFrame[]): Promise<number | undefined> {
    const input = JSON.stringify(frames.map((f) => ({ device_id: f.deviceId, site: f.site, device: f.device, seq: f.seq, ts: f.ts, over: f.over, bin: f.bin ?? null })));
    const { rows } = await sql<{ frames: number }>`
      with open as (
        select id from model_rollouts where id = ${id} and status = 'watching' and rollback_claimed_at is null for update
      ), input as (
        select * from jsonb_to_recordset(${input}::jsonb) as i (device_id text, site text, device text, seq bigint, ts bigint, over boolean, bin integer)
      ), fresh as (
        insert into model_rollout_frames (rollout_id, device_id, seq, ts)
        select open.id, input.device_id, input.seq, input.ts from input, open
        on conflict do nothing
        returning device_id, seq, ts
      ), counted as (
        select input.* from input join fresh using (device_id, seq, ts)
      ), devices as (
        insert into model_rollout_devices (rollout_id, device_id, site, device, frames, over)
        select ${id}, device_id, min(site), min(device), count(*), count(*) filter (where over) from counted group by device_id
        on conflict (rollout_id, device_id) do update set frames = model_rollout_devices.frames + excluded.frames, over = model_rollout_devices.over + excluded.over
      ), bins as (
        insert into model_rollout_bins (rollout_id, bin, count)
        select ${id}, bin, count(*) from counted where bin is not null group by bin
        on conflict (rollout_id, bin) do update set count = model_rollout_bins.count + excluded.count
      )
      update model_rollouts set frames = frames + (select count(*) from counted) where id in (select id from open) returning frames`.execute(db);
    return rows[0]?.frames;
  },

  /** The devices and bin counts of a watch (`bins`: the reference's bin count). */
  async tally(db: Kysely<Database>, id: number, bins: number): Promise<RolloutTally> {
    const devices = await db.selectFrom('model_rollout_devices').select(['device_id', 'site', 'device', 'frames', 'over']).where('rollout_id', '=', id).orderBy('device_id').execute();
    const counts = new Array<number>(bins).fill(0);
    for (const b of await db.selectFrom('model_rollout_bins').select(['bin', 'count']).where('rollout_id', '=', id).execute()) if (b.bin < bins) counts[b.bin] = b.count;
    return { devices: devices.map((d) => ({ deviceId: d.device_id, site: d.site, device: d.device, frames: d.frames, over: d.over })), counts };
  },

  /**
   * Claims the rollback of an open watch, with the verdict that decided it (kept in `decision`
   * until the outcome replaces it): true for exactly one caller (replica), which then rolls back
   * and publishes.
   */
  async claimRollback(db: Kysely<Database>, id: number, verdict: Json, now: Date): Promise<boolean> {
    const res = await db
      .updateTable('model_rollouts')
      .set({ rollback_claimed_at: now, decision: JSON.stringify(verdict) })
      .where('id', '=', id)
      .where('status', '=', 'watching')
      .where('rollback_claimed_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  /**
   * Takes over a rollback claimed at or before `staleBefore` and still not recorded (its
   * replica died or hung): the claim's verdict for exactly one caller, else undefined.
   */
  async reclaimRollback(db: Kysely<Database>, id: number, staleBefore: Date, now: Date): Promise<Json | undefined> {
    const row = await db
      .updateTable('model_rollouts')
      .set({ rollback_claimed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'watching')
      .where('rollback_claimed_at', '<=', staleBefore)
      .returning('decision')
      .executeTakeFirst();
    return row ? (row.decision ?? {}) : undefined;
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
    await rolloutRepository.dropFrameKeys(db);
    return Number(res.numUpdatedRows) === 1;
  },

  /** Forgets the frame identities of ended watches: they only keep an open watch's counts free of duplicates. */
  async dropFrameKeys(db: Kysely<Database>): Promise<void> {
    await sql`delete from model_rollout_frames f using model_rollouts r where f.rollout_id = r.id and r.status <> 'watching'`.execute(db);
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
