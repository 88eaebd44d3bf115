import type { Kysely, Transaction } from 'kysely';
import type { Database, Json, Model, ModelCheckStatus, ModelHistoryEntry, ModelStage } from '@premonitor/db';

/** Either the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Columns of a new registry row. */
export interface NewModelRow {
  readonly kind: string;
  readonly scope: string;
  readonly version: string;
  readonly sha256: string;
  readonly size: number;
  readonly metrics: Json;
  readonly metadata: Json;
  readonly createdAt: Date;
  readonly check?: CheckColumns;
}

/** A model check outcome as stored. */
export interface CheckColumns {
  readonly status: ModelCheckStatus;
  readonly reason: string;
  readonly at: Date;
}

/** One row of `model_history`. */
export interface HistoryColumns {
  readonly at: Date;
  readonly kind: string;
  readonly scope: string;
  readonly version: string;
  readonly action: 'promote' | 'rollback' | 'archive' | 'restore';
  readonly previousVersion: string | null;
  readonly reason: string;
  readonly backup?: string;
}

/** Thin Kysely wrapper over the `models` table; the rules live in `ModelRegistry`. */
export const modelRepository = {
  async insertCandidate(db: Executor, row: NewModelRow): Promise<Model> {
    return db
      .insertInto('models')
      .values({
        kind: row.kind,
        scope: row.scope,
        version: row.version,
        stage: 'candidate',
        sha256: row.sha256,
        size: row.size,
        // jsonb columns: pg would send a JS array as a PG array, so always stringify.
        metrics: JSON.stringify(row.metrics),
        metadata: JSON.stringify(row.metadata),
        created_at: row.createdAt,
        ...(row.check ? { check_status: row.check.status, check_reason: row.check.reason, checked_at: row.check.at } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async findVersion(db: Executor, kind: string, version: string, forUpdate = false): Promise<Model | undefined> {
    let query = db.selectFrom('models').selectAll().where('kind', '=', kind).where('version', '=', version);
    if (forUpdate) query = query.forUpdate();
    return query.executeTakeFirst();
  },

  async findProduction(db: Executor, kind: string, scope: string, forUpdate = false): Promise<Model | undefined> {
    let query = db.selectFrom('models').selectAll().where('kind', '=', kind).where('scope', '=', scope).where('stage', '=', 'production');
    if (forUpdate) query = query.forUpdate();
    return query.executeTakeFirst();
  },

  /** The archived model of (kind, scope) promoted most recently before `before`. */
  async findPreviousProduction(db: Executor, kind: string, scope: string, before: Date): Promise<Model | undefined> {
    return db
      .selectFrom('models')
      .selectAll()
      .where('kind', '=', kind)
      .where('scope', '=', scope)
      .where('stage', '=', 'archived')
      .where('promoted_at', 'is not', null)
      .where('promoted_at', '<', before)
      .orderBy('promoted_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  async recordCheck(db: Executor, id: number, check: CheckColumns): Promise<Model> {
    return db.updateTable('models').set({ check_status: check.status, check_reason: check.reason, checked_at: check.at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },

  /**
   * Models of (kind, scope) to fall back to, best first: archived models that were production
   * (newest promotion first) and did not fail a check, then candidates that passed one (newest first).
   */
  async findLastGood(db: Executor, kind: string, scope: string): Promise<Model[]> {
    const base = db.selectFrom('models').selectAll().where('kind', '=', kind).where('scope', '=', scope);
    const earlier = await base
      .where('stage', '=', 'archived')
      .where('promoted_at', 'is not', null)
      .where((eb) => eb.or([eb('check_status', 'is', null), eb('check_status', '!=', 'failed')]))
      .orderBy('promoted_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const checked = await base.where('stage', '=', 'candidate').where('check_status', '=', 'passed').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return [...earlier, ...checked];
  },

  /** With `promotion`, the row becomes production by promotion: its time and whether it was forced are recorded. */
  async setStage(db: Executor, id: number, stage: ModelStage, promotion?: { readonly at: Date; readonly forced: boolean }): Promise<Model> {
    return db
      .updateTable('models')
      .set(promotion === undefined ? { stage } : { stage, promoted_at: promotion.at, promotion_forced: promotion.forced })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async list(db: Executor, filter: { kind?: string; stage?: ModelStage; scope?: string }): Promise<Model[]> {
    let query = db.selectFrom('models').selectAll();
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.stage !== undefined) query = query.where('stage', '=', filter.stage);
    if (filter.scope !== undefined) query = query.where('scope', '=', filter.scope);
    return query.orderBy('kind').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  },

  async retire(db: Executor, id: number): Promise<Model> {
    return db.updateTable('models').set({ stage: 'archived', promoted_at: null }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  },

  async recordHistory(db: Executor, h: HistoryColumns): Promise<void> {
    await db
      .insertInto('model_history')
      .values({ at: h.at, kind: h.kind, scope: h.scope, version: h.version, action: h.action, previous_version: h.previousVersion, reason: h.reason, backup: h.backup ?? null })
      .execute();
  },

  async history(db: Executor, filter: { kind?: string; limit: number }): Promise<ModelHistoryEntry[]> {
    let query = db.selectFrom('model_history').selectAll();
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  },
};
