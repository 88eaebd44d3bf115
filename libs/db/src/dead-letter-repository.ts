import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { storableText } from './storable-text.js';

/** A message that failed validation. */
export interface DeadLetterInput {
  /** The MQTT topic or bus subject it arrived on. */
  readonly topic: string;
  /** `site/device` when the topic named one the broker authorised; null otherwise. */
  readonly deviceId?: string | null;
  /** Why it was rejected, e.g. `payload shorter than width×height`. */
  readonly reason: string;
  /** The raw message; text is stored as its UTF-8 bytes. */
  readonly payload: Uint8Array | string;
  /** When it was rejected; defaults to the database's now(). */
  readonly time?: Date;
  /** Who gave up on it: `ingest`, or a bus consumer's durable name. */
  readonly source?: string | null;
}

/** Options of the dead-letter writers. */
export interface DeadLetterOptions {
  /** Most payload bytes kept per message (default 64 KiB); the original size is always stored. */
  readonly maxPayloadBytes?: number;
}

/** Default bound of a stored dead-letter payload. */
export const DEFAULT_MAX_DEAD_LETTER_BYTES = 64 * 1024;

/**
 * Bounds a payload for storage: the first `maxBytes` bytes (a view, no copy) and the
 * original size, so an oversized or hostile message cannot fill the disk.
 */
export function boundPayload(payload: Uint8Array | string, maxBytes = DEFAULT_MAX_DEAD_LETTER_BYTES): { bytes: Buffer; size: number } {
  if (!Number.isInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxPayloadBytes must be a whole number ≥ 0, got ${String(maxBytes)}`);
  }
  const buffer = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return { bytes: buffer.subarray(0, maxBytes), size: buffer.byteLength };
}

/**
 * The text columns of a dead letter, made storable (`storableText`): reasons quote device
 * input and error messages, and a NUL in one must not make the dead-letter write itself fail.
 */
function storableColumns(entry: DeadLetterInput): { topic: string; device_id: string | null; reason: string; source: string | null } {
  return {
    topic: storableText(entry.topic),
    device_id: entry.deviceId == null ? null : storableText(entry.deviceId),
    reason: storableText(entry.reason),
    source: entry.source == null ? null : storableText(entry.source),
  };
}

/** Stores one rejected message with its payload bounded; returns the new row's id. */
export async function recordDeadLetter(db: Kysely<Database>, entry: DeadLetterInput, options: DeadLetterOptions = {}): Promise<number> {
  const { bytes, size } = boundPayload(entry.payload, options.maxPayloadBytes);
  const row = await db
    .insertInto('dead_letters')
    .values({ time: entry.time, ...storableColumns(entry), payload: bytes, payload_bytes: size })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Stores many rejected messages in one statement (typed arrays unnested server-side, as
 * readings are); returns how many rows were written.
 */
export async function recordDeadLetters(db: Kysely<Database>, entries: readonly DeadLetterInput[], options: DeadLetterOptions = {}): Promise<number> {
  if (entries.length === 0) return 0;
  const times: Array<Date | null> = [];
  const topics: string[] = [];
  const devices: Array<string | null> = [];
  const reasons: string[] = [];
  const sources: Array<string | null> = [];
  const payloads: Buffer[] = [];
  const sizes: number[] = [];
  for (const entry of entries) {
    const { bytes, size } = boundPayload(entry.payload, options.maxPayloadBytes);
    const columns = storableColumns(entry);
    times.push(entry.time ?? null);
    topics.push(columns.topic);
    devices.push(columns.device_id);
    reasons.push(columns.reason);
    sources.push(columns.source);
    payloads.push(bytes);
    sizes.push(size);
  }
  const result = await sql`
    insert into dead_letters (time, topic, device_id, reason, payload, payload_bytes, source)
    select coalesce(t, now()), topic, device_id, reason, payload, payload_bytes, source
      from unnest(${times}::timestamptz[], ${topics}::text[], ${devices}::text[], ${reasons}::text[], ${payloads}::bytea[], ${sizes}::int4[], ${sources}::text[])
        as u (t, topic, device_id, reason, payload, payload_bytes, source)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Dead letters written to `dead_letters` (the `DeadLetterSink` of @premonitor/resilience). */
export function databaseDeadLetters(db: Kysely<Database>, options: DeadLetterOptions = {}): { record(entries: readonly DeadLetterInput[]): Promise<number> } {
  return { record: (entries) => recordDeadLetters(db, entries, options) };
}
