import { sql, type Kysely } from 'kysely';
import type { Database, Json, ModelDriftDevice } from '@premonitor/db';
import type { InputDriftFeature, InputFeature } from './score-reference.js';

/** A device's sliding window: its latest scores and input statistics, oldest first. */
export interface DriftWindow {
  readonly scores: number[];
  readonly inputs: Record<InputFeature, number[]>;
  /** The band shares of the acoustic clips in the window that carried them. */
  readonly bands: number[][];
}

/** One judgement of a device's window, as every replica sees it. */
export interface DriftJudgement {
  readonly kind: string;
  readonly version: string;
  readonly deviceId: string;
  readonly site: string;
  readonly device: string;
  readonly window: number;
  readonly psi: number | null;
  readonly js: number | null;
  readonly inputPsi: Readonly<Partial<Record<InputDriftFeature, number>>>;
  readonly at: Date | null;
}

/**
 * `model_drift_samples` and `model_drift_devices` (thin Kysely wrapper): the drift monitor's
 * sliding windows and per-device verdicts in the database, so every replica judges the same
 * window and a restart loses nothing. Samples are per (kind, model version, device); `prune`
 * bounds each window.
 */
export const driftWindowRepository = {
  /** Appends one score; a redelivered one (same frame seq and time) is not appended again. */
  async append(db: Kysely<Database>, s: { kind: string; version: string; deviceId: string; seq: number; score: number; input?: (Readonly<Record<InputFeature, number>> & { readonly bands?: readonly number[] | undefined }) | undefined; at: Date }): Promise<void> {
    const bands = s.input?.bands ? JSON.stringify(s.input.bands) : null;
    await db
      .insertInto('model_drift_samples')
      .values({ kind: s.kind, version: s.version, device_id: s.deviceId, seq: s.seq, score: s.score, level: s.input?.level ?? null, spread: s.input?.spread ?? null, bands, at: s.at })
      .onConflict((oc) => oc.columns(['kind', 'device_id', 'version', 'seq', 'at']).doNothing())
      .execute();
  },

  /** The latest `size` samples of a device under `version`, oldest first. */
  async window(db: Kysely<Database>, kind: string, version: string, deviceId: string, size: number): Promise<DriftWindow> {
    const rows = await db.selectFrom('model_drift_samples').select(['score', 'level', 'spread', 'bands']).where('kind', '=', kind).where('device_id', '=', deviceId).where('version', '=', version).orderBy('id', 'desc').limit(size).execute();
    rows.reverse();
    const inputs = rows.filter((r) => r.level !== null && r.spread !== null);
    return { scores: rows.map((r) => r.score), inputs: { level: inputs.map((r) => r.level!), spread: inputs.map((r) => r.spread!) }, bands: rows.flatMap((r) => (Array.isArray(r.bands) ? [r.bands as number[]] : [])) };
  },

  /** Deletes a device's samples older than its latest `keep` (the retention bound). */
  async prune(db: Kysely<Database>, kind: string, deviceId: string, keep: number): Promise<void> {
    const oldestKept = db.selectFrom('model_drift_samples').select('id').where('kind', '=', kind).where('device_id', '=', deviceId).orderBy('id', 'desc').offset(keep - 1).limit(1);
    await db.deleteFrom('model_drift_samples').where('kind', '=', kind).where('device_id', '=', deviceId).where('id', '<', oldestKept).execute();
  },

  /**
   * Stores a judgement's figures and returns the device's drifting state: kept when the row is
   * of the same version, false for a row left by another version.
   */
  async judged(db: Kysely<Database>, j: DriftJudgement): Promise<boolean> {
    const values = { kind: j.kind, device_id: j.deviceId, site: j.site, device: j.device, version: j.version, window_size: j.window, psi: j.psi, js_distance: j.js, input_psi: JSON.stringify(j.inputPsi) as unknown as Json, evaluated_at: j.at };
    const row = await db
      .insertInto('model_drift_devices')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['kind', 'device_id']).doUpdateSet((eb) => ({
          site: eb.ref('excluded.site'),
          device: eb.ref('excluded.device'),
          window_size: eb.ref('excluded.window_size'),
          // A window too short to judge keeps the last figures.
          psi: sql`coalesce(excluded.psi, case when model_drift_devices.version = excluded.version then model_drift_devices.psi end)`,
          js_distance: sql`coalesce(excluded.js_distance, case when model_drift_devices.version = excluded.version then model_drift_devices.js_distance end)`,
          input_psi: sql`case when excluded.evaluated_at is null and model_drift_devices.version = excluded.version then model_drift_devices.input_psi else excluded.input_psi end`,
          evaluated_at: sql`coalesce(excluded.evaluated_at, case when model_drift_devices.version = excluded.version then model_drift_devices.evaluated_at end)`,
          drifting: sql<boolean>`model_drift_devices.version = excluded.version and model_drift_devices.drifting`,
          version: eb.ref('excluded.version'),
        })),
      )
      .returning('drifting')
      .executeTakeFirstOrThrow();
    return row.drifting;
  },

  /** Moves a device from `from` to `to`; false when another replica moved it first. */
  async setDrifting(db: Kysely<Database>, kind: string, deviceId: string, version: string, from: boolean, to: boolean): Promise<boolean> {
    const res = await db.updateTable('model_drift_devices').set({ drifting: to }).where('kind', '=', kind).where('device_id', '=', deviceId).where('version', '=', version).where('drifting', '=', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  async devices(db: Kysely<Database>, kind: string, version: string): Promise<ModelDriftDevice[]> {
    return db.selectFrom('model_drift_devices').selectAll().where('kind', '=', kind).where('version', '=', version).orderBy('device_id').execute();
  },

  /**
   * `version` is the kind's production model now: the windows and verdicts of other versions
   * go. Returns the verdict rows this call removed (on one replica only: the one whose delete
   * found them), so exactly one replica says a replaced model's drift is over.
   */
  async replaced(db: Kysely<Database>, kind: string, version: string | undefined): Promise<ModelDriftDevice[]> {
    const keep = version ?? '';
    await db.deleteFrom('model_drift_samples').where('kind', '=', kind).where('version', '<>', keep).execute();
    return db.deleteFrom('model_drift_devices').where('kind', '=', kind).where('version', '<>', keep).returningAll().execute();
  },
};
