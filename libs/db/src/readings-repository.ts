import { sql, type Kysely } from 'kysely';
import type { Database, NewReading } from './schema.js';

/**
 * Inserts telemetry readings in ONE statement and returns how many rows were new.
 *
 * The rows travel as five typed arrays unnested server-side: one round trip, one parse,
 * five parameters whatever the batch size (a multi-row VALUES list would need 5 × n
 * parameters and hit the 65,535 limit at 13,107 rows). A reading already stored — same
 * device, key, seq and device timestamp, i.e. a redelivered message — is skipped by
 * `on conflict do nothing` and not counted, so the result is exactly the rows added.
 *
 * Callers bound the batch size; tens of thousands of rows per call are fine.
 */
export async function insertReadings(db: Kysely<Database>, rows: readonly NewReading[]): Promise<number> {
  if (rows.length === 0) return 0;
  const n = rows.length;
  // Epoch milliseconds, not Dates: serialising tens of thousands of Date objects to text
  // is a measurable share of ingest's CPU; the server converts the numbers instead.
  const times = new Array<number>(n);
  const devices = new Array<string>(n);
  const keys = new Array<string>(n);
  const values = new Array<number>(n);
  const seqs = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    times[i] = row.time instanceof Date ? row.time.getTime() : new Date(row.time).getTime();
    devices[i] = row.device_id;
    keys[i] = row.key;
    values[i] = row.value;
    seqs[i] = row.seq;
  }
  const result = await sql`
    insert into readings (time, device_id, key, value, seq)
    select to_timestamp(u.t / 1000.0), u.d, u.k, u.v, u.s
    from unnest(${times}::float8[], ${devices}::text[], ${keys}::text[], ${values}::float8[], ${seqs}::int8[]) as u(t, d, k, v, s)
    on conflict do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
