import { sql, type Kysely } from 'kysely';
import { deviceKey, type DeviceRef } from '@premonitor/contracts';
import { insertReadings, recordDeadLetters, storableJson, type Database, type NewReading } from '@premonitor/db';
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
    const rows: NewReading[] = [];
    const touches = new Map<string, DeviceTouch>();
    for (const { ref, message, receivedAt } of batch) {
      const deviceId = deviceKey(ref);
      const time = new Date(message.ts);
      const readings = message.readings;
      for (const key in readings) rows.push({ time, device_id: deviceId, key, value: readings[key]!, seq: message.seq });
      touch(touches, ref, receivedAt, message.seq);
    }
    const relaxed = this.options.synchronousCommit === false;
    // Devices first: readings reference them (and the read API finds them by id).
    return this.db.transaction().execute(async (trx) => {
      if (relaxed) await sql`set local synchronous_commit = off`.execute(trx);
      await upsertDevices(trx, [...touches.values()]);
      return insertReadings(trx, rows);
    });
  }

  async saveStatus(batch: readonly AcceptedStatus[]): Promise<void> {
    // Within a batch the last status of a device wins; batches are applied in arrival order.
    const latest = new Map<string, AcceptedStatus>();
    for (const s of batch) latest.set(deviceKey(s.ref), s);
    const values = [...latest.values()].map(({ ref, message, receivedAt }) => ({
      id: deviceKey(ref),
      site: ref.site,
      device: ref.device,
      first_seen: new Date(receivedAt),
      last_seen: new Date(receivedAt),
      online: message.state === 'online',
      status_changed_at: new Date(message.ts ?? receivedAt),
      // Validated text cannot hold what jsonb refuses, but a write that fails halts the batch: sanitized anyway.
      last_status: JSON.stringify(storableJson(message)),
      last_seq: null,
    }));
    if (values.length === 0) return;
    await this.db
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
