import { sql, type Kysely } from 'kysely';
import type { Database, NewReading } from './schema.js';

/** One telemetry message to store: its readings keyed by sensor. */
export interface TelemetryRecord {
  readonly deviceId: string;
  readonly seq: number;
  /** The device's timestamp, epoch ms. */
  readonly time: number;
  readonly readings: Readonly<Record<string, number>>;
}

/**
 * Stores telemetry messages in ONE statement, one `telemetry` row per message, and returns how
 * many readings were new.
 *
 * A message is stored once: its primary key (device_id, time, seq) makes a redelivery — a
 * second call, or a copy later in the same batch — a no-op (`on conflict do nothing`), and
 * none of its readings count. One row per message instead of one per reading (migration
 * ingest/0006) is one heap tuple and one btree entry per message: the server's cost per
 * message fell several-fold against ten reading rows plus a dedup key.
 *
 * Rows travel as five arrays unnested server-side, the readings of each message as an array
 * literal inside a text array element, cast by PostgreSQL's array parser: one round trip and
 * five parameters whatever the batch size. They are written as ready-made array literals:
 * node-postgres' generic array encoder (per-element type checks, escaping regexes) was a
 * tenth of ingest's CPU.
 *
 * Callers bound the batch size; thousands of messages per call are fine.
 */
export async function insertTelemetry(db: Kysely<Database>, messages: readonly TelemetryRecord[]): Promise<number> {
  if (messages.length === 0) return 0;
  const devices: string[] = [];
  const seqs: number[] = [];
  const times: number[] = [];
  // The two text arrays of per-message array literals, written directly: their elements need
  // quoting (braces, commas) but escaping only when a key did.
  let keys = '{';
  let values = '{';
  for (let i = 0; i < messages.length; i++) {
    const { deviceId, seq, time, readings } = messages[i]!;
    devices.push(deviceId);
    seqs.push(seq);
    times.push(time);
    let k = '';
    let v = '';
    let escape = false;
    for (const key in readings) {
      const value = readings[key]!;
      if (!Number.isFinite(value)) throw new RangeError(`readings must be finite numbers, got ${value} for '${key}'`);
      if (k !== '') {
        k += ',';
        v += ',';
      }
      const element = arrayElement(key);
      if (element !== key) escape = true;
      k += element;
      v += value;
    }
    const separator = i === 0 ? '' : ',';
    keys += `${separator}"{${escape ? escaped(k) : k}}"`;
    values += `${separator}"{${v}}"`;
  }
  keys += '}';
  values += '}';
  const result = await sql<{ n: number }>`
    with fresh as (
      insert into telemetry (time, device_id, seq, keys, vals)
      select to_timestamp(u.t / 1000.0), u.d, u.s, u.k::text[], u.v::float8[]
      from unnest(${textArray(devices)}::text[], ${numberArray(seqs)}::int8[], ${numberArray(times)}::float8[],
                  ${keys}::text[], ${values}::text[]) as u(d, s, t, k, v)
      on conflict do nothing
      returning cardinality(keys) as n
    )
    select coalesce(sum(n), 0)::int4 as n from fresh`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Stores readings row by row, as the `readings` view shows them: rows with the same
 * (device_id, seq, time) are one message (in any order; a key repeated in it is stored once,
 * the first value kept). A message already stored adds nothing, even with readings the first
 * call did not have. Returns how many readings were new.
 */
export async function insertReadings(db: Kysely<Database>, rows: readonly NewReading[]): Promise<number> {
  const messages = new Map<string, { deviceId: string; seq: number; time: number; readings: Record<string, number> }>();
  for (const row of rows) {
    const time = row.time instanceof Date ? row.time.getTime() : new Date(row.time).getTime();
    const id = `${row.device_id}\u0000${row.seq}\u0000${time}`;
    let message = messages.get(id);
    if (message === undefined) {
      message = { deviceId: row.device_id, seq: row.seq, time, readings: Object.create(null) as Record<string, number> };
      messages.set(id, message);
    }
    if (!Object.hasOwn(message.readings, row.key)) message.readings[row.key] = row.value;
  }
  return insertTelemetry(db, [...messages.values()]);
}

/** `{1,2.5,…}`: a JS number's shortest round-trip form is exact for int8 (safe integers) and float8. */
function numberArray(values: readonly number[]): string {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`expected finite numbers, got ${v}`);
  return `{${values.join(',')}}`;
}

/** Elements PostgreSQL's array parser takes as they are: no quotes, braces, commas, backslashes or spaces. */
const PLAIN_ELEMENT = /^[A-Za-z0-9_.\-]+$/;
const NEEDS_ESCAPE = /["\\]/;

/** One element of an array literal: plain when it can be (sensor keys usually are), else quoted and escaped. */
function arrayElement(value: string): string {
  return PLAIN_ELEMENT.test(value) && (value.length !== 4 || value.toLowerCase() !== 'null') ? value : `"${escaped(value)}"`;
}

/** Quotes and backslashes escaped, for the inside of a quoted array element. */
function escaped(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/["\\]/g, '\\$&') : value;
}

/** `{"a","b"}`: every element quoted (so `NULL` or spaces stay text), quotes and backslashes escaped. */
function textArray(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) out += `${i ? ',' : ''}"${escaped(values[i]!)}"`;
  return `${out}}`;
}
