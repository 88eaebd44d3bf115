import { systemClock, type Clock } from '@premonitor/time';

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
  /**
   * Batches handled at once (default 1). Above 1 the flushes overlap — e.g. one batch is
   * scored while the previous one is stored and published — and `flush` must cope with that.
   */
  readonly concurrency?: number;
  readonly clock?: Clock;
}

/**
 * Collects items and hands them to `flush` in batches of at most `maxSize`, in arrival
 * order, at most `concurrency` batches at a time (default one). While every slot is busy,
 * arrivals queue up and the next batch starts as soon as a flush ends: under load batches
 * fill up by themselves, when idle an item waits at most `maxWaitMs`. With a free slot but
 * another flush still running, a batch starts when it is full or its wait is over, so
 * overlapping does not shred the stream into tiny batches.
 */
export class MicroBatcher<T> {
  readonly #queue: T[] = [];
  readonly #options: MicroBatcherOptions<T>;
  readonly #clock: Clock;
  readonly #concurrency: number;
  #timer: unknown;
  readonly #flushing = new Set<Promise<void>>();

  constructor(options: MicroBatcherOptions<T>) {
    if (!(Number.isInteger(options.maxSize) && options.maxSize >= 1)) throw new RangeError(`maxSize must be a positive integer, got ${options.maxSize}`);
    const concurrency = options.concurrency ?? 1;
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    this.#options = options;
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
  }

  /** Items waiting for a batch. */
  get size(): number {
    return this.#queue.length;
  }

  add(item: T): void {
    this.#queue.push(item);
    if (this.#flushing.size >= this.#concurrency) return;
    if (this.#queue.length >= this.#options.maxSize) this.#kick();
    else this.#arm();
  }

  /** Flushes everything waiting and resolves when every batch is handled. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushing.size > 0) {
      this.#kick();
      await Promise.race(this.#flushing);
    }
  }

  /** Cancels the pending timer; queued items stay queued (call `drain` first to handle them). */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, this.#options.maxWaitMs);
  }

  #kick(): void {
    if (this.#flushing.size >= this.#concurrency || this.#queue.length === 0) return;
    this.stop();
    const batch = this.#queue.splice(0, this.#options.maxSize);
    const flushing: Promise<void> = this.#options
      .flush(batch)
      .catch((err: unknown) => this.#options.onError(err))
      .finally(() => {
        this.#flushing.delete(flushing);
        if (this.#queue.length === 0) return;
        // Idle pipeline or a full batch: go now; otherwise let the batch fill up for maxWaitMs.
        if (this.#flushing.size === 0 || this.#queue.length >= this.#options.maxSize) this.#kick();
        else this.#arm();
      });
    this.#flushing.add(flushing);
    // More than one batch may be waiting (arrivals while every slot was busy).
    if (this.#flushing.size >= this.#concurrency || this.#queue.length === 0) return;
    if (this.#queue.length >= this.#options.maxSize) this.#kick();
    else this.#arm();
  }
}
