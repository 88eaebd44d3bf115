import { realClock, type Clock } from '@premonitor/bus';

/** Options of {@link MicroBatcher}. */
export interface MicroBatcherOptions<T> {
  /** Flush as soon as this many items wait. */
  readonly maxSize: number;
  /** Flush at the latest this long after the first item of a batch arrived, ms. */
  readonly maxWaitMs: number;
  /**
   * Handles one batch. It owns the outcome of every item (ack or nak), so a rejection is
   * only reported through `onError`; the batcher never retries.
   */
  readonly flush: (items: readonly T[]) => Promise<void>;
  readonly onError: (err: unknown) => void;
  readonly clock?: Clock;
}

/**
 * Collects items and hands them to `flush` in batches of at most `maxSize`, one batch at a
 * time, in arrival order. Items arriving during a flush form the next batch, which starts
 * as soon as the flush ends: under load batches fill up by themselves, when idle an item
 * waits at most `maxWaitMs`.
 */
export class MicroBatcher<T> {
  readonly #queue: T[] = [];
  readonly #options: MicroBatcherOptions<T>;
  readonly #clock: Clock;
  #timer: unknown;
  #flushing: Promise<void> | undefined;

  constructor(options: MicroBatcherOptions<T>) {
    if (!(Number.isInteger(options.maxSize) && options.maxSize >= 1)) throw new RangeError(`maxSize must be a positive integer, got ${options.maxSize}`);
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  /** Items waiting for a batch. */
  get size(): number {
    return this.#queue.length;
  }

  add(item: T): void {
    this.#queue.push(item);
    if (this.#flushing) return;
    if (this.#queue.length >= this.#options.maxSize) this.#kick();
    else if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, this.#options.maxWaitMs);
    }
  }

  /** Flushes everything waiting and resolves when every batch is handled. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushing) {
      this.#kick();
      await this.#flushing;
    }
  }

  /** Cancels the pending timer; queued items stay queued (call `drain` first to handle them). */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #kick(): void {
    if (this.#flushing || this.#queue.length === 0) return;
    this.stop();
    const batch = this.#queue.splice(0, this.#options.maxSize);
    this.#flushing = this.#options
      .flush(batch)
      .catch((err: unknown) => this.#options.onError(err))
      .finally(() => {
        this.#flushing = undefined;
        if (this.#queue.length > 0) this.#kick();
      });
  }
}
