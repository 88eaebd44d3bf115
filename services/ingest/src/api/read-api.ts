import { Router, type Request } from 'express';
import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import { HttpError, queryLimit, queryTime, validateInput } from '@premonitor/http';
import { ID_PATTERN, READING_KEY_PATTERN, READING_KEY_RULE } from '@premonitor/contracts';

const MAX_LIMIT = 10_000;

/** `GET /devices/{site}/{device}/readings`. */
export const readingsQuery = z
  .strictObject({
    key: z.string().regex(READING_KEY_PATTERN, READING_KEY_RULE).optional(),
    from: queryTime.optional(),
    to: queryTime.optional(),
    limit: queryLimit(MAX_LIMIT, 1_000),
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] });

/** `GET /devices`. */
export const devicesQuery = z.strictObject({
  site: z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}').optional(),
  online: z.enum(['true', 'false']).optional(),
});

interface Cursor {
  readonly t: string;
  readonly k: string;
  readonly s: number;
}

/**
 * Read API over devices and their readings. Device ids are `{site}/{device}`, so the routes
 * take both segments: `/devices/{site}/{device}`.
 */
export function createReadApi(db: Kysely<Database>): Router {
  const router = Router();

  router.get('/devices', async (req, res) => {
    const query = validateInput(devicesQuery, req.query);
    let q = db.selectFrom('devices').selectAll().orderBy('id');
    if (query.site) q = q.where('site', '=', query.site);
    if (query.online) q = q.where('online', '=', query.online === 'true');
    const rows = await q.execute();
    res.json({ items: rows.map(toDevice) });
  });

  router.get('/devices/:site/:device', async (req, res) => {
    const row = await findDevice(db, req);
    res.json(toDevice(row));
  });

  router.get('/devices/:site/:device/readings', async (req, res) => {
    const device = await findDevice(db, req);
    const query = validateInput(readingsQuery, req.query);
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    let q = db
      .selectFrom('readings')
      .select(['time', 'key', 'value', 'seq'])
      .where('device_id', '=', device.id)
      .orderBy('time')
      .orderBy('key')
      .orderBy('seq')
      .limit(query.limit + 1);
    if (query.key) q = q.where('key', '=', query.key);
    if (query.from) q = q.where('time', '>=', query.from);
    if (query.to) q = q.where('time', '<=', query.to);
    if (cursor) {
      // The row comparison mixes a message's columns with the view's unnested key, so it cannot
      // bound the primary-key scan; `time >=` (which it implies) can: a page deep in a device's
      // history then starts at the cursor instead of at its first message.
      q = q.where('time', '>=', new Date(cursor.t)).where(sql<boolean>`(time, key, seq) > (${new Date(cursor.t)}, ${cursor.k}, ${cursor.s})`);
    }
    const rows = await q.execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next = rows.length > query.limit && last ? encodeCursor({ t: toDate(last.time).toISOString(), k: last.key, s: Number(last.seq) }) : null;
    res.json({
      device: device.id,
      items: page.map((r) => ({ time: toDate(r.time).toISOString(), key: r.key, value: r.value, seq: Number(r.seq) })),
      next,
    });
  });

  return router;
}

async function findDevice(db: Kysely<Database>, req: Request) {
  const site = String(req.params.site);
  const device = String(req.params.device);
  if (!ID_PATTERN.test(site)) throw new HttpError(400, 'invalid_request', 'site: must match [a-z0-9-]{1,64}', 'site');
  if (!ID_PATTERN.test(device)) throw new HttpError(400, 'invalid_request', 'device: must match [a-z0-9-]{1,64}', 'device');
  const row = await db.selectFrom('devices').selectAll().where('id', '=', `${site}/${device}`).executeTakeFirst();
  if (!row) throw new HttpError(404, 'not_found', `device ${site}/${device} is unknown`);
  return row;
}

function toDevice(row: {
  id: string;
  site: string;
  device: string;
  online: boolean;
  first_seen: Date | string;
  last_seen: Date | string;
  status_changed_at: Date | string | null;
  last_status: unknown;
  last_seq: number | string | bigint | null;
}) {
  return {
    id: row.id,
    site: row.site,
    device: row.device,
    online: row.online,
    firstSeen: toDate(row.first_seen).toISOString(),
    lastSeen: toDate(row.last_seen).toISOString(),
    statusChangedAt: row.status_changed_at === null ? null : toDate(row.status_changed_at).toISOString(),
    status: row.last_status ?? null,
    lastSeq: row.last_seq === null ? null : Number(row.last_seq),
  };
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (typeof parsed.t === 'string' && typeof parsed.k === 'string' && typeof parsed.s === 'number' && !Number.isNaN(Date.parse(parsed.t))) return parsed;
  } catch {
    // fall through to the 400 below
  }
  throw new HttpError(400, 'invalid_request', 'cursor: not a cursor returned by this API', 'cursor');
}
