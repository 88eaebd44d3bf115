import { sql, type Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { TimedValue } from './series/resample.js';

/**
 * Read side of the readings the forecaster learns from (thin Kysely wrapper).
 *
 * A sensor's series is read from `telemetry` (one row per message) rather than the view
 * `readings`: through the view every message in the time range is unnested into all its keys
 * before the key filter, about ten times the work for a 10-sensor device; picking the key's
 * element out of the arrays keeps a range read as cheap as the per-key btree of the old layout.
 */
export class ReadingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** True when the device has sent any reading (or is registered). */
  async deviceKnown(deviceId: string): Promise<boolean> {
    const reading = await this.db.selectFrom('readings').select('device_id').where('device_id', '=', deviceId).limit(1).executeTakeFirst();
    if (reading) return true;
    const device = await this.db.selectFrom('devices').select('id').where('id', '=', deviceId).executeTakeFirst();
    return device !== undefined;
  }

  async sensorKnown(deviceId: string, key: string): Promise<boolean> {
    const row = await this.db.selectFrom('telemetry').select('seq').where('device_id', '=', deviceId).where(hasKey(key)).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** The latest `limit` readings of a sensor, oldest first; from `since` when given. */
  async recent(deviceId: string, key: string, limit: number, since?: Date): Promise<TimedValue[]> {
    let q = this.db.selectFrom('telemetry').select(['time', valueOf(key)]).where('device_id', '=', deviceId).where(hasKey(key));
    if (since) q = q.where('time', '>=', since);
    const rows = await q.orderBy('time', 'desc').limit(limit).execute();
    return rows.reverse().map((r) => ({ time: r.time.getTime(), value: Number(r.value) }));
  }

  /** Readings of a sensor in `[from, to]`, oldest first. */
  async between(deviceId: string, key: string, from: Date, to: Date, limit: number): Promise<TimedValue[]> {
    const rows = await this.db
      .selectFrom('telemetry')
      .select(['time', valueOf(key)])
      .where('device_id', '=', deviceId)
      .where(hasKey(key))
      .where('time', '>=', from)
      .where('time', '<=', to)
      .orderBy('time')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ time: r.time.getTime(), value: Number(r.value) }));
  }

  /**
   * Every (device, sensor) pair with at least `minPoints` readings since `since` — the
   * candidates for automatic training. The time bound keeps it to recent chunks.
   */
  async seriesWithHistory(since: Date, minPoints: number): Promise<{ deviceId: string; key: string; count: number }[]> {
    const rows = await sql<{ device_id: string; key: string; n: string | number }>`
      select device_id, key, count(*) as n from readings where time >= ${since}
      group by device_id, key having count(*) >= ${minPoints} order by device_id, key`.execute(this.db);
    return rows.rows.map((r) => ({ deviceId: r.device_id, key: r.key, count: Number(r.n) }));
  }

  /** Distinct sensor keys of a device. */
  async keys(deviceId: string): Promise<string[]> {
    const rows = await sql<{ key: string }>`select distinct key from readings where device_id = ${deviceId} order by key`.execute(this.db);
    return rows.rows.map((r) => r.key);
  }
}

/** `keys` holds `key` (a message without it is not part of the sensor's series). */
function hasKey(key: string) {
  return sql<boolean>`${key} = any(keys)`;
}

/** The reading of `key` in a message, as `value`. */
function valueOf(key: string) {
  return sql<number>`vals[array_position(keys, ${key})]`.as('value');
}
