import { realClock, type Clock } from '@premonitor/bus';

export interface BatcherOptions<T> {
  /** Flush as soon as this many items wait. */
  readonly maxSize: number;
  /** Flush at the latest this long after the first item of a batch arrived. */
  readonly maxWaitMs: number;
  /**
   * Persists one batch. Rejection means nothing of it may be considered done: the batch is
   * retried after `retryDelayMs` (doubling, capped at 5 s) until it succeeds or `stop()`.
   */
  readonly flush: (items: readonly T[]) => Promise<void>;
  readonly onError: (err: unknown, attempt: number) => void;
  readonly retryDelayMs?: number;
  readonly clock?: Clock;
}

/**
 * Collects items and flushes them in batches of at most `maxSize`, one flush at a time, in
 * arrival order. Items are never dropped: a failed flush is retried.
 */
export class Batcher<T> {
  readonly #queue: T[] = [];
  #timer: unknown;
  #flushing: Promise<void> | undefined;
  #stopped = false;
  readonly #clock: Clock;

  constructor(private readonly options: BatcherOptions<T>) {
    this.#clock = options.clock ?? realClock;
  }

  /** Items waiting, not yet flushed. */
  get size(): number {
    return this.#queue.length;
  }

  add(item: T): void {
    this.#queue.push(item);
    if (this.#queue.length >= this.options.maxSize) this.#kick();
    else if (this.#timer === undefined && !this.#flushing) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, this.options.maxWaitMs);
    }
  }

  /** Flushes everything waiting and resolves when it is persisted. */
  async drain(): Promise<void> {
    while ((this.#queue.length > 0 || this.#flushing) && !this.#stopped) {
      this.#kick();
      await this.#flushing;
    }
  }

  /** Stops retrying; items still queued are left for the caller to account for. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #kick(): void {
    if (this.#flushing || this.#queue.length === 0) return;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#run().finally(() => {
      this.#flushing = undefined;
      // Whatever arrived during the flush goes next, without waiting for another timer.
      if (this.#queue.length > 0 && !this.#stopped) this.#kick();
    });
  }

  async #run(): Promise<void> {
    const batch = this.#queue.slice(0, this.options.maxSize);
    let delay = this.options.retryDelayMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.flush(batch);
        this.#queue.splice(0, batch.length);
        return;
      } catch (err) {
        this.options.onError(err, attempt);
        if (this.#stopped) return;
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}
