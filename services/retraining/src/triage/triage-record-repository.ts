import type { Kysely, Transaction } from 'kysely';
import type { Database, TriageRecordRow } from '@premonitor/db';
import type { TriageRecord } from '@premonitor/training/triage';

type Executor = Kysely<Database> | Transaction<Database>;

/** `triage_records` (thin Kysely wrapper): the expert-scored reports, one per anomaly id. */
export const triageRecordRepository = {
  /** Every record, in the order ids first arrived. */
  async all(db: Executor): Promise<TriageRecord[]> {
    return (await db.selectFrom('triage_records').selectAll().orderBy('seq').execute()).map(toRecord);
  },

  async count(db: Executor): Promise<number> {
    const row = await db.selectFrom('triage_records').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** Adds new ids and replaces the fields of known ones (their arrival order stays). */
  async upsert(db: Executor, records: readonly TriageRecord[], runId: number | null, at: Date): Promise<void> {
    for (let start = 0; start < records.length; start += 500) {
      const rows = records.slice(start, start + 500).map((r) => ({ ...columns(r), run_id: runId, updated_at: at }));
      await db
        .insertInto('triage_records')
        .values(rows)
        .onConflict((oc) =>
          oc.column('anomaly_id').doUpdateSet((eb) => ({
            description: eb.ref('excluded.description'),
            equipment_name: eb.ref('excluded.equipment_name'),
            equipment_id: eb.ref('excluded.equipment_id'),
            availability_score: eb.ref('excluded.availability_score'),
            fiability_score: eb.ref('excluded.fiability_score'),
            process_safety_score: eb.ref('excluded.process_safety_score'),
            run_id: eb.ref('excluded.run_id'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  },

  /** Replaces every record (a restore from a backup). */
  async replaceAll(db: Transaction<Database>, records: readonly TriageRecord[], at: Date): Promise<void> {
    await db.deleteFrom('triage_records').execute();
    if (records.length > 0) await triageRecordRepository.upsert(db, records, null, at);
  },
};

function columns(r: TriageRecord) {
  return {
    anomaly_id: r.anomaly_id,
    description: r.description,
    equipment_name: r.equipment_name ?? null,
    equipment_id: r.equipment_id ?? null,
    availability_score: r.availability_score,
    fiability_score: r.fiability_score,
    process_safety_score: r.process_safety_score,
  };
}

function toRecord(row: TriageRecordRow): TriageRecord {
  return {
    anomaly_id: row.anomaly_id,
    description: row.description,
    ...(row.equipment_name === null ? {} : { equipment_name: row.equipment_name }),
    ...(row.equipment_id === null ? {} : { equipment_id: row.equipment_id }),
    availability_score: row.availability_score,
    fiability_score: row.fiability_score,
    process_safety_score: row.process_safety_score,
  };
}
