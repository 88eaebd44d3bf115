import { sql, type Kysely } from 'kysely';
import { deviceKey, type DeviceRef } from '@premonitor/contracts';
import { insertTelemetry, recordDeadLetters, storableJson, type Database, type TelemetryRecord } from '@premonitor/db';
import type { AcceptedStatus, AcceptedTelemetry, DeadLetter, DeviceSeen, IngestStore } from './ingest-store.js';

export interface KyselyIngestStoreOptions {
  /** Dead-letter payloads are cut to this many bytes. */
  readonly deadLetterMaxBytes: number;
  /**
   * `false`: telemetry transactions commit without waiting for their WAL flush (`set local
   * synchronous_commit = off`). Cheaper and faster, but a database crash can lose the last
   * few hundred ms of telemetry that was already acknowledged to the devices. Default true.
   */
  readonly synchronousCommit?: boolean;
}

interface DeviceTouch {
  ref: DeviceRef;
  first: number;
  last: number;
  seq: number | null;
}

/** `IngestStore` over kysely: works the same on PostgreSQL and PGlite. */
export class KyselyIngestStore implements IngestStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: KyselyIngestStoreOptions,
  ) {}

  async saveTelemetry(batch: readonly AcceptedTelemetry[]): Promise<number> {
    const messages: TelemetryRecord[] = [];
    const touches = new Map<string, DeviceTouch>();
    for (const { ref, message, receivedAt } of batch) {
      messages.push({ deviceId: deviceKey(ref), seq: message.seq, time: message.ts, readings: message.readings });
      touch(touches, ref, receivedAt, message.seq);
    }
    const relaxed = this.options.synchronousCommit === false;
    // Devices first: readings reference them (and the read API finds them by id).
    return this.db.transaction().execute(async (trx) => {
      if (relaxed) await sql`set local synchronous_commit = off`.execute(trx);
      await upsertDevices(trx, [...touches.values()]);
      return insertTelemetry(trx, messages);
    });
  }

  async saveStatus(batch: readonly AcceptedStatus[]): Promise<readonly number[]> {
    if (batch.length === 0) return [];
    const ids = [...new Set(batch.map((s) => deviceKey(s.ref)))].sort();
    return this.db.transaction().execute(async (trx) => {
      // Locked in id order, as every device upsert, so nothing moves the state between the read and the write.
      const stored = await trx.selectFrom('devices').select(['id', 'online', 'status_changed_at', 'last_seen']).where('id', 'in', ids).orderBy('id').forUpdate().execute();
      const state = new Map<string, StoredStatus>(stored.map((r) => [r.id, { online: r.online, at: toDate(r.status_changed_at).getTime(), lastSeen: toDate(r.last_seen).getTime() }]));
      const last = new Map<string, AcceptedStatus>();
      // In arrival order; the last status of a device in the batch is the one stored.
      const times = batch.map((s) => {
        const id = deviceKey(s.ref);
        const next = nextStatus(state.get(id), s);
        state.set(id, next);
        last.set(id, s);
        return next.at;
      });
      const values = ids.map((id) => {
        const { ref, message, receivedAt } = last.get(id)!;
        const { online, at, lastSeen } = state.get(id)!;
        return {
          id,
          site: ref.site,
          device: ref.device,
          first_seen: new Date(receivedAt),
          last_seen: new Date(lastSeen),
          online,
          status_changed_at: new Date(at),
          // Validated text cannot hold what jsonb refuses, but a write that fails halts the batch: sanitized anyway.
          last_status: JSON.stringify(storableJson(message)),
          last_seq: null,
        };
      });
      await trx
        .insertInto('devices')
        .values(values)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            online: (eb) => eb.ref('excluded.online'),
            status_changed_at: (eb) => eb.ref('excluded.status_changed_at'),
            last_status: (eb) => eb.ref('excluded.last_status'),
            last_seen: sql<Date>`greatest(devices.last_seen, excluded.last_seen)`,
          }),
        )
        .execute();
      return times;
    });
  }

  async touchDevices(batch: readonly DeviceSeen[]): Promise<void> {
    const touches = new Map<string, DeviceTouch>();
    for (const { ref, at } of batch) touch(touches, ref, at, null);
    await upsertDevices(this.db, [...touches.values()]);
  }

  async saveDeadLetters(batch: readonly DeadLetter[]): Promise<void> {
    await recordDeadLetters(
      this.db,
      batch.map((d) => ({ time: new Date(d.time), topic: d.topic, deviceId: d.deviceId, reason: d.reason, payload: d.payload, source: 'ingest' })),
      { maxPayloadBytes: this.options.deadLetterMaxBytes },
    );
  }
}

function touch(touches: Map<string, DeviceTouch>, ref: DeviceRef, at: number, seq: number | null): void {
  const id = deviceKey(ref);
  const t = touches.get(id);
  if (!t) {
    touches.set(id, { ref, first: at, last: at, seq });
    return;
  }
  t.first = Math.min(t.first, at);
  t.last = Math.max(t.last, at);
  if (seq !== null) t.seq = t.seq === null ? seq : Math.max(t.seq, seq);
}

async function upsertDevices(db: Kysely<Database>, touches: readonly DeviceTouch[]): Promise<void> {
  if (touches.length === 0) return;
  // Sorted ids keep concurrent upserts from ingest replicas from deadlocking on row locks.
  const sorted = [...touches].sort((a, b) => (deviceKey(a.ref) < deviceKey(b.ref) ? -1 : 1));
  await db
    .insertInto('devices')
    .values(
      sorted.map((t) => ({
        id: deviceKey(t.ref),
        site: t.ref.site,
        device: t.ref.device,
        first_seen: new Date(t.first),
        last_seen: new Date(t.last),
        online: true,
        status_changed_at: new Date(t.first),
        last_status: null,
        last_seq: t.seq,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        last_seen: sql<Date>`greatest(devices.last_seen, excluded.last_seen)`,
        last_seq: sql<number>`greatest(devices.last_seq, excluded.last_seq)`,
      }),
    )
    .execute();
}

/** A device's status as stored: online or not, since when, and when anything was last heard from it. */
interface StoredStatus {
  readonly online: boolean;
  readonly at: number;
  readonly lastSeen: number;
}

/**
 * The stored status after `status`. A status with the device's `ts` takes that time. An
 * "offline" without one (the broker's last will) while the device is stored offline with
 * nothing heard from it since is the same disconnect delivered again — after a crash of
 * ingest, or as the retained will at a new subscription — and keeps the stored time, without
 * counting as a sign of life. Anything else happened when it was received: an "online" without
 * a time is the device speaking, a sign of life however often it says so.
 */
function nextStatus(before: StoredStatus | undefined, { message, receivedAt }: AcceptedStatus): StoredStatus {
  const online = message.state === 'online';
  if (message.ts === undefined && !online && before !== undefined && !before.online && before.lastSeen <= before.at) return before;
  return { online, at: message.ts ?? receivedAt, lastSeen: Math.max(before?.lastSeen ?? receivedAt, receivedAt) };
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
