import type { Response } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { every, type Cancel, type Clock } from '@premonitor/time';
import { toView, type AlertView } from './alert-queries.js';

/** One transition as a browser receives it (`event: alert`, `id:` = the event id). */
export interface AlertStreamEvent {
  readonly eventId: string;
  readonly time: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: string;
  readonly note: string | null;
  /** The alert as it is now (after this and any later transition). */
  readonly alert: AlertView;
}

/** Transitions read per poll; more wait for the next one. */
const BATCH = 500;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

interface Listener {
  readonly res: Response;
  /** Only this site's alerts, when set. */
  readonly site: string | undefined;
}

/**
 * Alert transitions as server-sent events (`GET /api/v1/alerts/stream`). Fed by polling
 * `alert_events` rather than by the bus: every replica sees every transition written by any
 * other (an ack served by replica B reaches a browser connected to replica A), a reconnecting
 * browser resumes from `Last-Event-ID` without a durable consumer per tab, and nothing is
 * polled while no browser listens.
 */
export class AlertEventStream {
  readonly #listeners = new Set<Listener>();
  /** Every open stream, also those still replaying (not yet listeners): `close()` ends them all. */
  readonly #open = new Set<Response>();
  /** Resolves once the starting cursor is known. */
  #cursorRead: Promise<void> = Promise.resolve();
  #cursor = 0;
  #stopPolling: Cancel | undefined;
  #stopKeepalive: Cancel | undefined;
  #polling = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly o: { readonly clock: Clock; readonly logger: Logger; readonly pollMs: number },
  ) {}

  /** Streams to `res` until the client goes away or {@link close}; replays transitions after `lastEventId` first. */
  async attach(res: Response, options: { readonly site?: string | undefined; readonly lastEventId?: number | undefined }): Promise<void> {
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    const listener: Listener = { res, site: options.site };
    this.#open.add(res);
    let gone = false;
    res.on('close', () => {
      gone = true;
      this.#open.delete(res);
      this.#listeners.delete(listener);
      if (this.#open.size === 0) this.#stopTimers();
    });
    // The first browser starts the polls (from the newest transition); the last one stops them.
    if (!this.#stopPolling) {
      this.#cursorRead = this.#latestId().then((id) => void (this.#cursor = id));
      this.#startTimers();
    }
    try {
      await this.#cursorRead;
    } catch (err) {
      // The browser reconnects after `retry`; the next first listener reads the cursor again.
      this.o.logger.warn({ err }, 'alert stream: reading the newest transition failed; stream ended');
      this.#stopTimers();
      res.end();
      return;
    }
    // Replays what the browser missed, up to where the live polls are; a poll that moves on
    // meanwhile is caught up on before the listener joins (the last check and the join run
    // without an await between them, so no transition falls in a gap).
    let sent = options.lastEventId ?? this.#cursor;
    while (sent < this.#cursor && !gone) {
      const upTo = this.#cursor;
      const events = await this.#read(sent, upTo);
      for (const event of events) send(listener, event);
      sent = events.length === BATCH ? Number(events.at(-1)!.eventId) : upTo;
    }
    if (!gone) this.#listeners.add(listener);
  }

  /** Ends every stream (the host is stopping: an open stream would hold the HTTP server's close). */
  close(): void {
    this.#stopTimers();
    for (const res of this.#open) res.end();
    this.#open.clear();
    this.#listeners.clear();
  }

  #startTimers(): void {
    this.#stopPolling = every(this.o.clock, this.o.pollMs, () => void this.#poll());
    this.#stopKeepalive = every(this.o.clock, KEEPALIVE_MS, () => {
      for (const { res } of this.#listeners) res.write(': keepalive\n\n');
    });
  }

  #stopTimers(): void {
    this.#stopPolling?.();
    this.#stopKeepalive?.();
    this.#stopPolling = this.#stopKeepalive = undefined;
  }

  async #poll(): Promise<void> {
    // A slow database must not stack polls.
    if (this.#polling) return;
    this.#polling = true;
    try {
      await this.#cursorRead;
      const events = await this.#read(this.#cursor);
      const last = events.at(-1);
      if (last) this.#cursor = Number(last.eventId);
      for (const event of events) for (const listener of this.#listeners) send(listener, event);
    } catch (err) {
      this.o.logger.warn({ err }, 'alert stream: reading transitions failed; retried at the next poll');
    } finally {
      this.#polling = false;
    }
  }

  async #latestId(): Promise<number> {
    const row = await this.db.selectFrom('alert_events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
    return Number(row?.max ?? 0);
  }

  /** Transitions with `after < id ≤ upTo`, oldest first, with their alert. */
  async #read(after: number, upTo?: number): Promise<AlertStreamEvent[]> {
    let q = this.db
      .selectFrom('alert_events as e')
      .innerJoin('alerts as a', 'a.id', 'e.alert_id')
      .selectAll('a')
      .select(['e.id as event_id', 'e.time as event_time', 'e.from_status', 'e.to_status', 'e.actor', 'e.note'])
      .where('e.id', '>', after)
      .orderBy('e.id')
      .limit(BATCH);
    if (upTo !== undefined) q = q.where('e.id', '<=', upTo);
    const rows = await q.execute();
    return rows.map((r) => ({
      eventId: String(r.event_id),
      time: new Date(r.event_time).toISOString(),
      from: r.from_status,
      to: r.to_status,
      actor: r.actor,
      note: r.note,
      alert: toView(r),
    }));
  }
}

function send(listener: Listener, event: AlertStreamEvent): void {
  if (listener.site !== undefined && event.alert.site !== listener.site) return;
  listener.res.write(`id: ${event.eventId}\nevent: alert\ndata: ${JSON.stringify(event)}\n\n`);
}
