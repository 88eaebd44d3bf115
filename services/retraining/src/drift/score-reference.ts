import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import { binCounts, quantileEdges } from './distribution-distance.js';

/**
 * A model's reference score distribution: the inner edges of its quantile bins, the share of
 * the reference in each bin, and the share above the alert score. Drift and the rollout watch
 * bin live scores with the same edges and compare.
 */
export interface ScoreReference {
  readonly kind: string;
  readonly version: string;
  /** `held-out`: measured by retraining on its held-out normal samples; `live`: learned from the model's first frames. */
  readonly source: 'held-out' | 'live';
  readonly edges: readonly number[];
  readonly shares: readonly number[];
  /** Share of the reference scored above the alert score. */
  readonly overRate: number;
  readonly count: number;
}

/** The reference of `scores` (at least one) cut into `bins` quantile bins. */
export function scoreReferenceOf(kind: string, version: string, source: ScoreReference['source'], scores: readonly number[], bins: number, alertScore: number): ScoreReference {
  const edges = quantileEdges(scores, bins);
  const counts = binCounts(scores, edges);
  return { kind, version, source, edges, shares: counts.map((c) => c / scores.length), overRate: scores.filter((s) => s > alertScore).length / scores.length, count: scores.length };
}

/** `model_score_references` (thin Kysely wrapper). */
export const scoreReferenceRepository = {
  async get(db: Kysely<Database>, kind: string, version: string): Promise<ScoreReference | undefined> {
    const row = await db.selectFrom('model_score_references').selectAll().where('kind', '=', kind).where('version', '=', version).executeTakeFirst();
    if (!row) return undefined;
    return { kind: row.kind, version: row.version, source: row.source, edges: row.edges as number[], shares: row.shares as number[], overRate: row.over_rate, count: row.count };
  },

  /** Stores a reference; a `held-out` one replaces a `live` one, never the other way round (the first learned wins among live ones). */
  async save(db: Kysely<Database>, r: ScoreReference): Promise<void> {
    const values = { kind: r.kind, version: r.version, source: r.source, edges: JSON.stringify(r.edges), shares: JSON.stringify(r.shares), over_rate: r.overRate, count: r.count };
    await db
      .insertInto('model_score_references')
      .values(values)
      .onConflict((oc) =>
        r.source === 'held-out'
          ? oc.columns(['kind', 'version']).doUpdateSet({ source: values.source, edges: values.edges, shares: values.shares, over_rate: values.over_rate, count: values.count })
          : oc.columns(['kind', 'version']).doNothing(),
      )
      .execute();
  },
};

/** The input statistics a score event may carry (`ScoreEvent['input']`). */
export const INPUT_FEATURES = ['level', 'spread'] as const;
export type InputFeature = (typeof INPUT_FEATURES)[number];
/** What input drift is judged on: the level statistics, and an acoustic model's spectrum when it has a spectral reference. */
export type InputDriftFeature = InputFeature | 'spectrum';

/** A model's reference distribution of one input statistic: quantile bin edges and shares. */
export interface InputReference {
  readonly edges: readonly number[];
  readonly shares: readonly number[];
  readonly count: number;
}

/** The input reference of `values` (at least one) cut into `bins` quantile bins. */
export function inputReferenceOf(values: readonly number[], bins: number): InputReference {
  const edges = quantileEdges(values, bins);
  return { edges, shares: binCounts(values, edges).map((c) => c / values.length), count: values.length };
}

/**
 * A model's spectral input reference (acoustic): the mean share of energy in each octave band
 * (`bandsHz` edges) of the clips it was trained on, stored by its run. Models without one
 * (shipped, `npm run train`, runs before it existed) are judged on the level statistics only.
 */
export interface SpectrumReference {
  readonly bandsHz: readonly number[];
  readonly shares: readonly number[];
  readonly count: number;
}

/** The spectral reference's row in `model_input_references` (`feature` = 'spectrum', `edges` = the band edges in Hz). */
export const spectrumReferenceRepository = {
  async get(db: Kysely<Database>, kind: string, version: string): Promise<SpectrumReference | undefined> {
    const row = await db.selectFrom('model_input_references').selectAll().where('kind', '=', kind).where('version', '=', version).where('feature', '=', 'spectrum').executeTakeFirst();
    return row ? { bandsHz: row.edges as number[], shares: row.shares as number[], count: row.count } : undefined;
  },

  async save(db: Kysely<Database>, kind: string, version: string, r: SpectrumReference): Promise<void> {
    await db
      .insertInto('model_input_references')
      .values({ kind, version, feature: 'spectrum', edges: JSON.stringify(r.bandsHz), shares: JSON.stringify(r.shares), count: r.count })
      .onConflict((oc) => oc.columns(['kind', 'version', 'feature']).doNothing())
      .execute();
  },
};

/** `model_input_references` (thin Kysely wrapper). */
export const inputReferenceRepository = {
  async get(db: Kysely<Database>, kind: string, version: string): Promise<Map<InputFeature, InputReference>> {
    const rows = await db.selectFrom('model_input_references').selectAll().where('kind', '=', kind).where('version', '=', version).execute();
    return new Map(rows.filter((r) => (INPUT_FEATURES as readonly string[]).includes(r.feature)).map((r) => [r.feature as InputFeature, { edges: r.edges as number[], shares: r.shares as number[], count: r.count }]));
  },

  /** Stores the references of a version; the first stored wins (another replica, an earlier life). */
  async save(db: Kysely<Database>, kind: string, version: string, references: ReadonlyMap<InputFeature, InputReference>): Promise<void> {
    const values = [...references].map(([feature, r]) => ({ kind, version, feature, edges: JSON.stringify(r.edges), shares: JSON.stringify(r.shares), count: r.count }));
    if (values.length > 0) await db.insertInto('model_input_references').values(values).onConflict((oc) => oc.columns(['kind', 'version', 'feature']).doNothing()).execute();
  },
};
