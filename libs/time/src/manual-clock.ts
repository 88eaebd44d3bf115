import type { Clock, TimerHandle } from './clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told to — the one fake clock of every spec. `advance(ms)`
 * fires the due timers in time order (ties in the order they were set), with `now()` at each
 * timer's due time; `advanceAsync(ms)` does the same but lets promise continuations run
 * between timers, for code that awaits between scheduled steps.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing each timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let due = this.#takeDue(end); due; due = this.#takeDue(end)) due.callback();
    this.#now = end;
  }

  /** Like {@link advance}, but awaits pending promise work after each timer and at the end. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (let due = this.#takeDue(end); due; due = this.#takeDue(end)) {
      due.callback();
      await flushPromises();
    }
    this.#now = end;
    await flushPromises();
  }

  #takeDue(end: number): Timer | undefined {
    const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
    if (!due) return undefined;
    this.#timers = this.#timers.filter((t) => t !== due);
    this.#now = Math.max(this.#now, due.at);
    return due;
  }
}

function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
