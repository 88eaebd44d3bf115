import { systemClock, type Clock } from '@premonitor/time';

export interface BatcherOptions<T> {
  /** Flush as soon as this many items wait. */
  readonly maxSize: number;
  /** Flush at the latest this long after the first item of a batch arrived. */
  readonly maxWaitMs: number;
  /**
   * When nothing is being flushed, flush what arrived at the end of the current event-loop
   * turn instead of waiting `maxWaitMs` (default false). Batches then form only while a flush
   * is under way (group commit): a trickle pays no batching delay, a flood still batches.
   */
  readonly flushWhenIdle?: boolean;
  /**
   * Settles one batch: persists it, retrying and isolating poison as it sees fit (ingest uses
   * `persistIsolating`). A rejection abandons the batch: its items are reported to `onError`
   * and no longer counted, and whatever they stood for stays unacknowledged.
   */
  readonly flush: (items: readonly T[]) => Promise<void>;
  readonly onError: (err: unknown, items: readonly T[]) => void;
  /**
   * Batches persisted at the same time (default 1). More than one keeps the database busy
   * while a finished batch is still being forwarded; callers that need ordering across
   * batches must not rely on flush order then (ingest acks in arrival order regardless).
   */
  readonly concurrency?: number;
  readonly clock?: Clock;
}

/**
 * Collects items and flushes them in batches of at most `maxSize`, taken in arrival order,
 * at most `concurrency` flushes at a time. Retrying is the flush's business, not the batcher's.
 */
export class Batcher<T> {
  #queue: T[] = [];
  #timer: unknown;
  #kickScheduled = false;
  readonly #flushing = new Set<Promise<void>>();
  #inFlightItems = 0;
  #stopped = false;
  readonly #clock: Clock;
  readonly #concurrency: number;

  constructor(private readonly options: BatcherOptions<T>) {
    this.#clock = options.clock ?? systemClock;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** Items not yet persisted: waiting, or in a flush that has not succeeded yet. */
  get size(): number {
    return this.#queue.length + this.#inFlightItems;
  }

  add(item: T): void {
    this.#queue.push(item);
    if (this.#queue.length >= this.options.maxSize) this.#kick();
    else if (this.options.flushWhenIdle && this.#flushing.size === 0) this.#kickAtEndOfTurn();
    else if (this.#timer === undefined && this.#flushing.size < this.#concurrency) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, this.options.maxWaitMs);
    }
  }

  /** Flushes everything waiting and resolves when it is persisted. */
  async drain(): Promise<void> {
    while ((this.#queue.length > 0 || this.#flushing.size > 0) && !this.#stopped) {
      this.#kick();
      await Promise.race(this.#flushing);
    }
  }

  /** Stops flushing; items still queued are left for the caller to account for. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** setImmediate, not a timer: it runs after the I/O callbacks of this turn, so a burst parsed from one socket read still goes as one batch. */
  #kickAtEndOfTurn(): void {
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#queue.length > 0 && this.#flushing.size < this.#concurrency && !this.#stopped) {
      const batch = this.#queue.length <= this.options.maxSize ? this.#queue : this.#queue.slice(0, this.options.maxSize);
      this.#queue = this.#queue.length <= this.options.maxSize ? [] : this.#queue.slice(batch.length);
      this.#inFlightItems += batch.length;
      const flushing: Promise<void> = this.#run(batch).finally(() => {
        this.#flushing.delete(flushing);
        this.#inFlightItems -= batch.length;
        // Whatever arrived during the flush goes next, without waiting for another timer.
        if (this.#queue.length > 0 && !this.#stopped) this.#kick();
      });
      this.#flushing.add(flushing);
    }
  }

  async #run(batch: readonly T[]): Promise<void> {
    try {
      await this.options.flush(batch);
    } catch (err) {
      this.options.onError(err, batch);
    }
  }
}
