import type { Clock, TimerHandle } from '@premonitor/time';
import { FifoQueue } from './fifo-queue.js';

/** One delivery's ack deadline. */
export interface AckDeadline {
  readonly seq: number;
  /** Which delivery of `seq` this is; a later delivery supersedes the entry. */
  readonly deliveries: number;
  readonly at: number;
}

/**
 * The ack-wait deadlines of one durable, served by a single timer. With one ack wait for all
 * deliveries the deadlines arrive in ascending order, so a FIFO replaces a priority queue (an
 * ack wait changed by a consumer update may fire some entries late, never early).
 */
export class AckDeadlines {
  readonly #clock: Clock;
  readonly #onDue: (deadline: AckDeadline) => void;
  readonly #queue = new FifoQueue<AckDeadline>();
  #timer: TimerHandle | undefined;

  /** `onDue` is called for every entry whose time has come, stale ones included. */
  constructor(clock: Clock, onDue: (deadline: AckDeadline) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  get length(): number {
    return this.#queue.length;
  }

  track(deadline: AckDeadline): void {
    this.#queue.push(deadline);
    if (this.#timer === undefined) this.#arm(deadline.at);
  }

  /**
   * Replaces the entries with `live`. Settled deliveries leave stale entries behind; the owner
   * calls this before they pile up, so memory stays bounded under sustained load.
   */
  replace(live: readonly AckDeadline[]): void {
    const sorted = [...live].sort((a, b) => a.at - b.at);
    this.#queue.clear();
    for (const entry of sorted) this.#queue.push(entry);
    if (this.#timer === undefined && sorted.length > 0) this.#arm(sorted[0].at);
  }

  /** Forgets every entry and cancels the timer. */
  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.clear();
  }

  #arm(at: number): void {
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (let due = this.#queue.peek(); due !== undefined && due.at <= now; due = this.#queue.peek()) {
      this.#queue.shift();
      this.#onDue(due);
    }
    const next = this.#queue.peek();
    if (next !== undefined && this.#timer === undefined) this.#arm(next.at);
  }
}
