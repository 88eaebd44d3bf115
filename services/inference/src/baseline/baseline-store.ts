import { sql, type Kysely } from 'kysely';
import type { Database } from '@premonitor/db';

/** A device under one model version. */
export interface BaselineKey {
  /** `site/device`. */
  readonly deviceId: string;
  readonly kind: string;
  readonly modelVersion: string;
}

/** A `device_baselines` row as the service and the API see it. */
export interface BaselineRecord extends BaselineKey {
  readonly status: 'enrolling' | 'ready';
  readonly method: string;
  /** Samples the baseline is fitted from. */
  readonly frames: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Enrollment takes every frame, whatever the fleet score. */
  readonly acceptAll: boolean;
  /** The fitted `baseline` input, once ready. */
  readonly baseline: Float32Array | undefined;
  readonly lastSampleAt: Date | undefined;
  readonly startedAt: Date;
  readonly readyAt: Date | undefined;
  /** An engineer marked the machine faulty: it does not enroll until a reset or `enroll`. */
  readonly faulty: { readonly at: Date; readonly note: string | null } | undefined;
  /** Frames the device sent from its first enrollment sample on (its frame rate, with the sample times). */
  readonly framesSeen: number;
  /** Capture time of the first stored sample. */
  readonly firstSampleAt: Date | undefined;
  /** The fleet model's opinion of the stored samples: how many it found anomalous (score ≥ 0.5) and their mean score. */
  readonly fleetOpinion: { readonly anomalous: number; readonly meanScore: number | null };
}

/** Accepted enrollment samples of one frame: one embedding per model row. */
export interface EnrollmentSamples {
  readonly at: Date;
  readonly fleetScore: number;
  readonly embeddings: readonly Float32Array[];
  readonly method: string;
  readonly frames: number;
  /** Samples the policy turned down since the last write (counted, not stored). */
  readonly rejectedSince: number;
  /** Frames the device sent since the last write, this one included (its frame rate). */
  readonly framesSince: number;
}

/** Filter of {@link BaselineStore.list}. */
export interface BaselineFilter {
  readonly kind?: string;
  readonly deviceId?: string;
  readonly status?: 'enrolling' | 'ready';
  readonly modelVersion?: string;
}

/** Persistence of enrollments and baselines; the database is the truth every replica shares. */
export interface BaselineStore {
  /** Every enrollment and baseline of `kind` under `modelVersion`. */
  load(kind: string, modelVersion: string): Promise<BaselineRecord[]>;
  get(key: BaselineKey): Promise<BaselineRecord | undefined>;
  /**
   * Stores a frame's samples (a sample already stored is skipped) and counts them into the
   * enrollment, creating it; returns the enrollment's accepted count and status.
   */
  addSamples(key: BaselineKey, samples: EnrollmentSamples): Promise<{ accepted: number; status: 'enrolling' | 'ready' }>;
  /** The first `limit` stored samples, in capture order: what the baseline is fitted from. */
  samples(key: BaselineKey, limit: number): Promise<Float32Array[]>;
  /**
   * Marks the enrollment ready with `baseline` unless another replica did first; resolves
   * with the baseline now stored, whichever wrote it.
   */
  complete(key: BaselineKey, baseline: Float32Array): Promise<Float32Array>;
  /** Counts samples the policy left out, creating the enrollment row so the device shows up. */
  noteRejected(key: BaselineKey, count: number, enrollment: { readonly method: string; readonly frames: number }): Promise<void>;
  /** Removes the device's enrollments and samples and records it as faulty: it enrolls no more until a restart or reset. */
  markFaulty(key: BaselineKey, enrollment: { readonly method: string; readonly frames: number }, note: string | undefined): Promise<void>;
  /** Starts a fresh enrollment (after removing any), taking every frame when `acceptAll`. */
  restart(key: BaselineKey, enrollment: { readonly method: string; readonly frames: number; readonly acceptAll: boolean }): Promise<void>;
  list(filter: BaselineFilter): Promise<BaselineRecord[]>;
  /** Deletes a device's enrollments, baselines and samples (every model version); returns the versions removed. */
  reset(deviceId: string, kind: string): Promise<string[]>;
}

/** `BaselineStore` over `device_baselines` and `baseline_samples` (migration 0009). */
export class KyselyBaselineStore implements BaselineStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async load(kind: string, modelVersion: string): Promise<BaselineRecord[]> {
    return this.list({ kind, modelVersion });
  }

  async get(key: BaselineKey): Promise<BaselineRecord | undefined> {
    const [row] = await this.list({ kind: key.kind, deviceId: key.deviceId, modelVersion: key.modelVersion });
    return row;
  }

  async addSamples(key: BaselineKey, s: EnrollmentSamples): Promise<{ accepted: number; status: 'enrolling' | 'ready' }> {
    const n = s.embeddings.length;
    const rows = Array.from({ length: n }, (_, i) => i);
    const embeddings = s.embeddings.map(float32ToBytes);
    // One statement: the samples and the count move together, so a crash leaves neither half.
    const result = await sql<{ accepted: number; status: 'enrolling' | 'ready' }>`
      with inserted as (
        insert into baseline_samples (device_id, kind, model_version, time, row_index, fleet_score, embedding)
        select ${key.deviceId}, ${key.kind}, ${key.modelVersion}, ${s.at}::timestamptz, u.r, ${s.fleetScore}::real, u.e
        from unnest(${rows}::int4[], ${embeddings}::bytea[]) as u (r, e)
        on conflict do nothing
        returning 1
      )
      insert into device_baselines as b (device_id, kind, model_version, status, method, frames, accepted, rejected, last_sample_at, frames_seen)
      values (${key.deviceId}, ${key.kind}, ${key.modelVersion}, 'enrolling', ${s.method}, ${s.frames}, (select count(*) from inserted), ${s.rejectedSince}, ${s.at}::timestamptz, ${s.framesSince}::int4)
      on conflict (device_id, kind, model_version) do update set
        accepted = b.accepted + excluded.accepted,
        rejected = b.rejected + excluded.rejected,
        frames_seen = coalesce(b.frames_seen, 0) + excluded.frames_seen,
        last_sample_at = greatest(b.last_sample_at, excluded.last_sample_at),
        updated_at = now()
      returning accepted, status`.execute(this.#db);
    const row = result.rows[0]!;
    return { accepted: Number(row.accepted), status: row.status };
  }

  async noteRejected(key: BaselineKey, count: number, enrollment: { readonly method: string; readonly frames: number }): Promise<void> {
    await sql`
      insert into device_baselines as b (device_id, kind, model_version, status, method, frames, rejected)
      values (${key.deviceId}, ${key.kind}, ${key.modelVersion}, 'enrolling', ${enrollment.method}, ${enrollment.frames}, ${count})
      on conflict (device_id, kind, model_version) do update set rejected = b.rejected + excluded.rejected, updated_at = now()`.execute(this.#db);
  }

  async markFaulty(key: BaselineKey, enrollment: { readonly method: string; readonly frames: number }, note: string | undefined): Promise<void> {
    await this.#replace(key, { method: enrollment.method, frames: enrollment.frames, accept_all: false, marked_faulty_at: new Date(), faulty_note: note ?? null });
  }

  async restart(key: BaselineKey, enrollment: { readonly method: string; readonly frames: number; readonly acceptAll: boolean }): Promise<void> {
    await this.#replace(key, { method: enrollment.method, frames: enrollment.frames, accept_all: enrollment.acceptAll, marked_faulty_at: null, faulty_note: null });
  }

  /**
   * Drops the device's enrollments and samples and starts one afresh, in one transaction. The
   * insert is an upsert: another replica may have written a sample of the device between the
   * delete and it (its row is then overwritten, not a unique violation).
   */
  async #replace(key: BaselineKey, fresh: { method: string; frames: number; accept_all: boolean; marked_faulty_at: Date | null; faulty_note: string | null }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('device_baselines').where('device_id', '=', key.deviceId).where('kind', '=', key.kind).execute();
      await trx.deleteFrom('baseline_samples').where('device_id', '=', key.deviceId).where('kind', '=', key.kind).execute();
      const row = { device_id: key.deviceId, kind: key.kind, model_version: key.modelVersion, status: 'enrolling' as const, ...fresh };
      await trx
        .insertInto('device_baselines')
        .values(row)
        .onConflict((oc) => oc.columns(['device_id', 'kind', 'model_version']).doUpdateSet({ ...fresh, status: 'enrolling', accepted: 0, rejected: 0, frames_seen: null, last_sample_at: null, baseline: null, ready_at: null, started_at: new Date(), updated_at: new Date() }))
        .execute();
      // A sample another replica wrote in between belongs to the enrollment just dropped.
      await trx.deleteFrom('baseline_samples').where('device_id', '=', key.deviceId).where('kind', '=', key.kind).execute();
    });
  }

  async samples(key: BaselineKey, limit: number): Promise<Float32Array[]> {
    const rows = await this.#db
      .selectFrom('baseline_samples')
      .select('embedding')
      .where('device_id', '=', key.deviceId)
      .where('kind', '=', key.kind)
      .where('model_version', '=', key.modelVersion)
      .orderBy('time')
      .orderBy('row_index')
      .limit(limit)
      .execute();
    return rows.map((r) => bytesToFloat32(r.embedding));
  }

  async complete(key: BaselineKey, baseline: Float32Array): Promise<Float32Array> {
    await this.#db
      .updateTable('device_baselines')
      .set({ status: 'ready', baseline: float32ToBytes(baseline), ready_at: new Date(), updated_at: new Date() })
      .where('device_id', '=', key.deviceId)
      .where('kind', '=', key.kind)
      .where('model_version', '=', key.modelVersion)
      .where('status', '=', 'enrolling')
      .execute();
    const stored = await this.get(key);
    if (!stored?.baseline) throw new Error(`the baseline of ${key.deviceId} (${key.kind}, model ${key.modelVersion}) was reset while it was being fitted`);
    return stored.baseline;
  }

  async list(filter: BaselineFilter): Promise<BaselineRecord[]> {
    let q = this.#db
      .selectFrom('device_baselines as b')
      .selectAll('b')
      // The fleet's opinion of the stored samples, shown beside the enrollment (not a gate).
      .select(() => [
        sql<string | null>`(select count(*) from baseline_samples s where s.device_id = b.device_id and s.kind = b.kind and s.model_version = b.model_version and s.fleet_score >= 0.5)`.as('fleet_anomalous'),
        sql<number | null>`(select avg(s.fleet_score) from baseline_samples s where s.device_id = b.device_id and s.kind = b.kind and s.model_version = b.model_version)`.as('fleet_mean'),
        sql<Date | null>`(select min(s.time) from baseline_samples s where s.device_id = b.device_id and s.kind = b.kind and s.model_version = b.model_version)`.as('first_sample_at'),
      ]);
    if (filter.kind !== undefined) q = q.where('b.kind', '=', filter.kind);
    if (filter.deviceId !== undefined) q = q.where('b.device_id', '=', filter.deviceId);
    if (filter.status !== undefined) q = q.where('b.status', '=', filter.status);
    if (filter.modelVersion !== undefined) q = q.where('b.model_version', '=', filter.modelVersion);
    const rows = await q.orderBy('b.device_id').orderBy('b.kind').orderBy('b.started_at', 'desc').execute();
    return rows.map((r) => ({
      deviceId: r.device_id,
      kind: r.kind,
      modelVersion: r.model_version,
      status: r.status,
      method: r.method,
      frames: r.frames,
      accepted: r.accepted,
      rejected: r.rejected,
      acceptAll: r.accept_all,
      baseline: r.baseline ? bytesToFloat32(r.baseline) : undefined,
      lastSampleAt: r.last_sample_at ?? undefined,
      startedAt: r.started_at,
      readyAt: r.ready_at ?? undefined,
      faulty: r.marked_faulty_at ? { at: r.marked_faulty_at, note: r.faulty_note } : undefined,
      framesSeen: r.frames_seen ?? 0,
      firstSampleAt: r.first_sample_at ? new Date(r.first_sample_at) : undefined,
      fleetOpinion: { anomalous: Number(r.fleet_anomalous ?? 0), meanScore: r.fleet_mean === null ? null : Number(r.fleet_mean) },
    }));
  }

  async reset(deviceId: string, kind: string): Promise<string[]> {
    const removed = await this.#db.deleteFrom('device_baselines').where('device_id', '=', deviceId).where('kind', '=', kind).returning('model_version').execute();
    await this.#db.deleteFrom('baseline_samples').where('device_id', '=', deviceId).where('kind', '=', kind).execute();
    return removed.map((r) => r.model_version);
  }
}

/** float32 values → their little-endian bytes (the stored form, whatever the host's byte order). */
export function float32ToBytes(values: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, i * 4);
  return out;
}

/** The inverse of {@link float32ToBytes}. */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`a float32 array cannot be ${bytes.byteLength} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
