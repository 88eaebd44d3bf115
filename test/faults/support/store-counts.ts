import { sql } from 'kysely';
import type { DatabaseHandle } from '@premonitor/db';

/** What the database holds for one site (everything a case counts with SQL). */
export interface StoreCounts {
  /** `device#seq#ts` of every telemetry message stored (`telemetry`, one row per message). */
  readonly telemetry: ReadonlySet<string>;
  readonly readingRows: number;
  /** Distinct (device, key, time, seq) in `readings`: rows minus this are duplicates. */
  readonly readingsDistinct: number;
  /** `device#kind#seq` of every frame scored. */
  readonly scores: ReadonlySet<string>;
  readonly scoreRows: number;
  /** Idempotency keys (`alertId:eventId`) of every alert opened (alert_events to `open`). */
  readonly opened: ReadonlySet<string>;
  /** Notifier outbox rows still waiting to be delivered, and those given up on. */
  readonly outboxPending: number;
  readonly outboxDead: number;
  /** Dead letters of the site's devices recorded by ingest (the MQTT topic). */
  readonly deadLetters: number;
  /** Frames of the site's devices dead-lettered by inference (the subject `pm.frames.<kind>.<site>.<device>`). */
  readonly framesDeadLettered: number;
}

/** Counts the site's rows. Device ids are `site/device`; telemetry keys use the device part only. */
export async function countStore(db: DatabaseHandle, site: string): Promise<StoreCounts> {
  const like = `${site}/%`;
  const strip = (id: string) => id.slice(site.length + 1);
  const [telemetry, readings, scores, scoreRows, opened, outbox, deadLetters, framesDead] = await Promise.all([
    sql<{ device_id: string; seq: string; ms: string }>`
      select device_id, seq::text as seq, (extract(epoch from time) * 1000)::bigint::text as ms
      from telemetry where device_id like ${like}`.execute(db.db),
    sql<{ rows: string; distinct_rows: string }>`
      select count(*)::text as rows, count(distinct (device_id, key, time, seq))::text as distinct_rows
      from readings where device_id like ${like}`.execute(db.db),
    sql<{ device_id: string; kind: string; seq: string }>`select distinct device_id, kind, seq::text as seq from scores where device_id like ${like}`.execute(db.db),
    sql<{ n: string }>`select count(*)::text as n from scores where device_id like ${like}`.execute(db.db),
    sql<{ alert_id: string; id: string }>`
      select e.alert_id::text as alert_id, e.id::text as id from alert_events e join alerts a on a.id = e.alert_id
      where a.site = ${site} and e.to_status = 'open'`.execute(db.db),
    sql<{ pending: string; dead: string }>`
      select count(*) filter (where status = 'pending')::text as pending, count(*) filter (where status = 'dead')::text as dead
      from notification_outbox where site = ${site}`.execute(db.db),
    sql<{ n: string }>`select count(*)::text as n from dead_letters where topic like ${`premonitor/v1/${site}/%`}`.execute(db.db),
    sql<{ n: string }>`select count(*)::text as n from dead_letters where topic like ${`pm.frames.%.${site}.%`}`.execute(db.db),
  ]);
  return {
    telemetry: new Set(telemetry.rows.map((r) => `${strip(r.device_id)}#${r.seq}#${r.ms}`)),
    readingRows: Number(readings.rows[0]?.rows ?? 0),
    readingsDistinct: Number(readings.rows[0]?.distinct_rows ?? 0),
    scores: new Set(scores.rows.map((r) => `${strip(r.device_id)}#${r.kind}#${r.seq}`)),
    scoreRows: Number(scoreRows.rows[0]?.n ?? 0),
    opened: new Set(opened.rows.map((r) => `${r.alert_id}:${r.id}`)),
    outboxPending: Number(outbox.rows[0]?.pending ?? 0),
    outboxDead: Number(outbox.rows[0]?.dead ?? 0),
    deadLetters: Number(deadLetters.rows[0]?.n ?? 0),
    framesDeadLettered: Number(framesDead.rows[0]?.n ?? 0),
  };
}

/** The dead letters of a site: reason and topic (for the fuzz case's accounting). */
export async function deadLetterRows(db: DatabaseHandle, site: string): Promise<{ topic: string; reason: string; payloadBytes: number }[]> {
  const { rows } = await sql<{ topic: string; reason: string; payload_bytes: number }>`
    select topic, reason, payload_bytes from dead_letters where topic like ${`premonitor/v1/${site}/%`}`.execute(db.db);
  return rows.map((r) => ({ topic: r.topic, reason: r.reason, payloadBytes: Number(r.payload_bytes) }));
}
