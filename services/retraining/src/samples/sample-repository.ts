import { sql, type Kysely } from 'kysely';
import type { Database, Json, Sample } from '@premonitor/db';

/** What one stored sample row says. */
export interface SampleRecord {
  readonly id: number;
  readonly time: Date;
  readonly kind: string;
  readonly label: string;
  readonly faultClass: string | null;
  /** `site/device`, or null for a sample of no particular device. */
  readonly device: string | null;
  readonly sha256: string;
  readonly size: number;
  readonly format: string | null;
  readonly filename: string | null;
  readonly note: string | null;
  readonly uploadedBy: string | null;
  readonly metadata: Json | null;
}

/** A new sample row: a record before the database numbered it. */
export type NewSample = Omit<SampleRecord, 'id'>;

/** Filter of `list` and `counts`. */
export interface SampleFilter {
  readonly kind?: string;
  readonly label?: string;
  readonly device?: string;
  /** Only samples stored after this time. */
  readonly since?: Date;
}

/** The `samples` table (thin Kysely wrapper). */
export const sampleRepository = {
  /** Inserts the row unless (kind, sha256) is already stored; returns the row and whether it is new. */
  async insert(db: Kysely<Database>, s: NewSample): Promise<{ record: SampleRecord; created: boolean }> {
    const inserted = await db
      .insertInto('samples')
      .values({ kind: s.kind, label: s.label, fault_class: s.faultClass, device_id: s.device, sha256: s.sha256, size: s.size, format: s.format, filename: s.filename, note: s.note, uploaded_by: s.uploadedBy, metadata: JSON.stringify(s.metadata), time: s.time })
      .onConflict((oc) => oc.columns(['kind', 'sha256']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { record: toRecord(inserted), created: true };
    const existing = await db.selectFrom('samples').selectAll().where('kind', '=', s.kind).where('sha256', '=', s.sha256).executeTakeFirstOrThrow();
    return { record: toRecord(existing), created: false };
  },

  async list(db: Kysely<Database>, filter: SampleFilter, limit: number): Promise<SampleRecord[]> {
    const rows = await filtered(db, filter).selectAll().orderBy('time', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  },

  /** Counts by kind, label and fault class under the filter. */
  async counts(db: Kysely<Database>, filter: SampleFilter): Promise<{ kind: string; label: string; faultClass: string | null; count: number }[]> {
    const rows = await filtered(db, filter)
      .select(['kind', 'label', 'fault_class', sql<number>`count(*)::int`.as('count')])
      .groupBy(['kind', 'label', 'fault_class'])
      .orderBy('kind')
      .orderBy('label')
      .execute();
    return rows.map((r) => ({ kind: r.kind, label: r.label, faultClass: r.fault_class, count: Number(r.count) }));
  },

  /** How many samples match the filter. */
  async count(db: Kysely<Database>, filter: SampleFilter): Promise<number> {
    const row = await filtered(db, filter).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async byId(db: Kysely<Database>, id: number): Promise<SampleRecord | undefined> {
    const row = await db.selectFrom('samples').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  },
};

function filtered(db: Kysely<Database>, f: SampleFilter) {
  let q = db.selectFrom('samples');
  if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
  if (f.label !== undefined) q = q.where('label', '=', f.label);
  if (f.device !== undefined) q = q.where('device_id', '=', f.device);
  if (f.since !== undefined) q = q.where('time', '>', f.since);
  return q;
}

function toRecord(r: Sample): SampleRecord {
  return {
    id: Number(r.id),
    time: r.time,
    kind: r.kind,
    label: r.label,
    faultClass: r.fault_class,
    device: r.device_id,
    sha256: r.sha256,
    size: Number(r.size),
    format: r.format,
    filename: r.filename,
    note: r.note,
    uploadedBy: r.uploaded_by,
    metadata: r.metadata,
  };
}
