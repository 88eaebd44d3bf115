import { sql, type Kysely } from 'kysely';
import type { Database, NewReading } from './schema.js';

/**
 * Inserts telemetry readings in ONE statement and returns how many rows were new.
 *
 * Deduplication is per message: the readings of one message share (device_id, seq, time),
 * and a message already in `telemetry_messages` — a redelivery — adds none of its readings.
 * The statement inserts the batch's messages `on conflict do nothing returning` and, in the
 * same CTE, the readings of only the messages that came back: one narrow unique check per
 * message instead of one per reading against a wide (device_id, key, time, seq) index, which
 * cost about three times the server CPU of the insert itself (migration 0007). So a second
 * call with the same message adds nothing, even with readings the first did not have.
 * Within one call, rows of the same message may come in any order; a reading repeated
 * (same message and key) is stored once.
 *
 * Rows travel as six arrays unnested server-side — messages (device, seq, time) and readings
 * (message index, key, value) — one round trip and six parameters whatever the batch size.
 * The arrays are sent as ready-made array literals: node-postgres' generic array encoder
 * (per-element type checks, escaping regexes) was a tenth of ingest's CPU.
 *
 * Callers bound the batch size; tens of thousands of rows per call are fine.
 */
export async function insertReadings(db: Kysely<Database>, rows: readonly NewReading[]): Promise<number> {
  if (rows.length === 0) return 0;
  const batch = groupByMessage(rows);
  const result = await sql`
    with m as (
      select u.d, u.s, to_timestamp(u.t / 1000.0) as t, u.i
      from unnest(${batch.devices}::text[], ${batch.seqs}::int8[], ${batch.times}::float8[]) with ordinality as u(d, s, t, i)
    ), fresh as (
      insert into telemetry_messages (device_id, seq, time)
      select d, s, t from m
      on conflict do nothing
      returning device_id, seq, time
    )
    insert into readings (time, device_id, key, value, seq)
    select m.t, m.d, r.k, r.v, m.s
    from fresh f
    join m on m.d = f.device_id and m.s = f.seq and m.t = f.time
    join unnest(${batch.messageOf}::int8[], ${batch.keys}::text[], ${batch.values}::float8[]) as r(i, k, v) on r.i = m.i`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** The batch as PostgreSQL array literals, messages numbered from 1 (as `with ordinality`). */
interface MessageBatch {
  readonly devices: string;
  readonly seqs: string;
  readonly times: string;
  readonly messageOf: string;
  readonly keys: string;
  readonly values: string;
}

interface MessageSlot {
  readonly index: number;
  readonly keys: Set<string>;
}

function groupByMessage(rows: readonly NewReading[]): MessageBatch {
  const devices: string[] = [];
  const seqs: number[] = [];
  const times: number[] = [];
  const messageOf: number[] = [];
  const keys: string[] = [];
  const values: number[] = [];
  const slots = new Map<string, MessageSlot>();
  let slot: MessageSlot | undefined;
  let lastDevice = '';
  let lastSeq = -1;
  let lastTime = Number.NaN;
  for (const row of rows) {
    const time = row.time instanceof Date ? row.time.getTime() : new Date(row.time).getTime();
    // Rows of a message are usually adjacent: look the message up only when it changes.
    if (slot === undefined || row.device_id !== lastDevice || row.seq !== lastSeq || time !== lastTime) {
      const id = `${row.device_id}\u0000${row.seq}\u0000${time}`;
      slot = slots.get(id);
      if (slot === undefined) {
        slot = { index: devices.length + 1, keys: new Set() };
        slots.set(id, slot);
        devices.push(row.device_id);
        seqs.push(row.seq);
        times.push(time);
      }
      lastDevice = row.device_id;
      lastSeq = row.seq;
      lastTime = time;
    }
    if (slot.keys.has(row.key)) continue;
    slot.keys.add(row.key);
    messageOf.push(slot.index);
    keys.push(row.key);
    values.push(row.value);
  }
  return {
    devices: textArray(devices),
    seqs: numberArray(seqs),
    times: numberArray(times),
    messageOf: numberArray(messageOf),
    keys: textArray(keys),
    values: numberArray(values),
  };
}

/** `{1,2.5,…}`: a JS number's shortest round-trip form is exact for int8 (safe integers) and float8. */
function numberArray(values: readonly number[]): string {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`readings must be finite numbers, got ${v}`);
  return `{${values.join(',')}}`;
}

const NEEDS_ESCAPE = /["\\]/;

/** `{"a","b"}`: every element quoted (so `NULL` or spaces stay text), quotes and backslashes escaped. */
function textArray(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out += `${i ? ',' : ''}"${NEEDS_ESCAPE.test(v) ? v.replace(/["\\]/g, '\\$&') : v}"`;
  }
  return `${out}}`;
}
