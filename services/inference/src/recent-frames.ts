import { sql, type Kysely } from 'kysely';
import type { Counter } from 'prom-client';
import { deviceKey, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';
import type { Clock } from '@premonitor/time';

/** What the bounded store of recent frames keeps (issue 14: frames behind an alert become labelled samples). */
export interface RecentFrameSettings {
  /** Frames kept per device and kind; beyond it the oldest are evicted. 0 = keep none. */
  readonly maxFramesPerDevice: number;
  /** Longest a frame is kept, ms (by the service's clock). */
  readonly maxAgeMs: number;
  /** Every frame scoring at or above this is kept (0.5 = the model's threshold). */
  readonly highScore: number;
  /** One in this many of a device's frames below `highScore` is kept; 0 = none. */
  readonly normalOneIn: number;
}

export const DEFAULT_RECENT_FRAME_SETTINGS: RecentFrameSettings = Object.freeze({ maxFramesPerDevice: 200, maxAgeMs: 7 * 86_400_000, highScore: 0.5, normalOneIn: 50 });

/** One scored frame, as it came off the bus. */
export interface ScoredWireFrame {
  readonly ref: DeviceRef;
  readonly seq: number;
  /** Device time of the frame, ms. */
  readonly ts: number;
  readonly score: number;
  /** The frame's wire form (decodable with `decodeFrame`). */
  readonly data: Uint8Array;
}

/**
 * The `recent_frames` table: per device and kind, every frame that scored high plus a 1-in-N
 * sample of normal ones, bounded by count and age. The oldest go first, counted in
 * `evicted{kind, reason}`. A redelivered frame is stored once (unique device, kind, time, seq).
 */
export class RecentFrames {
  /** Frames below `highScore` seen per device since its last kept one. */
  readonly #sinceKept = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: FrameKind,
    private readonly settings: RecentFrameSettings,
    private readonly counters: { readonly kept: Counter<'kind' | 'why'>; readonly evicted: Counter<'kind' | 'reason'> },
    private readonly clock: Clock,
  ) {}

  /** Which of `frames` the store keeps, and why; advances each device's 1-in-N count. */
  choose(frames: readonly ScoredWireFrame[]): { frame: ScoredWireFrame; why: 'high' | 'sample' }[] {
    const { maxFramesPerDevice, highScore, normalOneIn } = this.settings;
    if (maxFramesPerDevice === 0) return [];
    const chosen: { frame: ScoredWireFrame; why: 'high' | 'sample' }[] = [];
    for (const frame of frames) {
      if (frame.score >= highScore) {
        chosen.push({ frame, why: 'high' });
        continue;
      }
      if (normalOneIn === 0) continue;
      const key = deviceKey(frame.ref);
      const seen = (this.#sinceKept.get(key) ?? 0) + 1;
      if (seen >= normalOneIn) {
        chosen.push({ frame, why: 'sample' });
        this.#sinceKept.set(key, 0);
      } else this.#sinceKept.set(key, seen);
    }
    return chosen;
  }

  /** Stores the chosen frames of a batch, then evicts what is beyond the count and age limits. */
  async keep(frames: readonly ScoredWireFrame[]): Promise<void> {
    const chosen = this.choose(frames);
    if (chosen.length === 0) return;
    const now = new Date(this.clock.now());
    await this.db
      .insertInto('recent_frames')
      .values(chosen.map(({ frame, why }) => ({ device_id: deviceKey(frame.ref), kind: this.kind, seq: frame.seq, time: new Date(Math.floor(frame.ts)), score: frame.score, why, payload: frame.data, stored_at: now })))
      .onConflict((oc) => oc.columns(['device_id', 'kind', 'time', 'seq']).doNothing())
      .execute();
    for (const { why } of chosen) this.counters.kept.inc({ kind: this.kind, why });
    await this.evict([...new Set(chosen.map((c) => deviceKey(c.frame.ref)))]);
  }

  /** Drops frames older than `maxAgeMs` (every device of this kind) and beyond `maxFramesPerDevice` (of `devices`). */
  async evict(devices: readonly string[]): Promise<void> {
    const cutoff = new Date(this.clock.now() - this.settings.maxAgeMs);
    const aged = await this.db.deleteFrom('recent_frames').where('kind', '=', this.kind).where('stored_at', '<', cutoff).executeTakeFirst();
    const over = devices.length === 0 ? undefined : await sql`
      delete from recent_frames f
       using (select id, row_number() over (partition by device_id order by time desc, seq desc) as n
                from recent_frames where kind = ${this.kind} and device_id = any(${[...devices]}::text[])) r
       where f.id = r.id and r.n > ${this.settings.maxFramesPerDevice}`.execute(this.db);
    const agedCount = Number(aged.numDeletedRows);
    const overCount = Number(over?.numAffectedRows ?? 0n);
    if (agedCount > 0) this.counters.evicted.inc({ kind: this.kind, reason: 'age' }, agedCount);
    if (overCount > 0) this.counters.evicted.inc({ kind: this.kind, reason: 'count' }, overCount);
  }
}
