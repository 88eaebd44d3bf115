import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { InputFeature } from './score-reference.js';

/** How many live frames of a version were collected towards its references. */
export interface ReferenceProgress {
  readonly scores: number;
  /** Of them, frames that carried input statistics. */
  readonly inputs: number;
}

/**
 * `model_reference_samples` (thin Kysely wrapper): the first live frames of a model without a
 * reference, collected by every replica into one place, so the live reference they fix is the
 * same on every replica and survives a restart. Kept until the version leaves production.
 */
export const referenceSampleRepository = {
  async append(db: Kysely<Database>, s: { kind: string; version: string; score: number; input?: Readonly<Record<InputFeature, number>> | undefined }): Promise<void> {
    await db.insertInto('model_reference_samples').values({ kind: s.kind, version: s.version, score: s.score, level: s.input?.level ?? null, spread: s.input?.spread ?? null }).execute();
  },

  async progress(db: Kysely<Database>, kind: string, version: string): Promise<ReferenceProgress> {
    const row = await db
      .selectFrom('model_reference_samples')
      .select((eb) => [eb.fn.countAll<string>().as('scores'), eb.fn.count<string>('level').as('inputs')])
      .where('kind', '=', kind)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return { scores: Number(row.scores), inputs: Number(row.inputs) };
  },

  /** The first `n` scores collected (the same on every replica). */
  async firstScores(db: Kysely<Database>, kind: string, version: string, n: number): Promise<number[]> {
    const rows = await db.selectFrom('model_reference_samples').select('score').where('kind', '=', kind).where('version', '=', version).orderBy('id').limit(n).execute();
    return rows.map((r) => r.score);
  },

  /** The first `n` input statistics collected. */
  async firstInputs(db: Kysely<Database>, kind: string, version: string, n: number): Promise<Record<InputFeature, number[]>> {
    const rows = await db.selectFrom('model_reference_samples').select(['level', 'spread']).where('kind', '=', kind).where('version', '=', version).where('level', 'is not', null).where('spread', 'is not', null).orderBy('id').limit(n).execute();
    return { level: rows.map((r) => r.level!), spread: rows.map((r) => r.spread!) };
  },

  /** `version` is the kind's production model now: what was collected for other versions goes. */
  async replaced(db: Kysely<Database>, kind: string, version: string | undefined): Promise<void> {
    await db.deleteFrom('model_reference_samples').where('kind', '=', kind).where('version', '<>', version ?? '').execute();
  },
};
