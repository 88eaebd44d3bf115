import type { Logger } from '@premonitor/log';
import { systemClock, type Clock, type TimerHandle } from '@premonitor/time';

/** Settings of {@link RetentionSchedule}. */
export interface RetentionScheduleOptions {
  /** What is pruned, in the logs ("dead letters"). */
  readonly name: string;
  /** Rows are kept this long, ms; 0 keeps them forever (the schedule does nothing). */
  readonly retentionMs: number;
  /** Removes what is older than `olderThan`; resolves with how many rows went. */
  readonly prune: (olderThan: Date) => Promise<number>;
  /** Time between two runs, ms (default one hour). */
  readonly intervalMs?: number;
  /** Delay of the first run after `start()`, ms (default one minute: not in the way of start-up). */
  readonly firstRunMs?: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/**
 * A table's retention: every `intervalMs`, `prune(now − retentionMs)`. A failed run is logged
 * and tried again at the next interval. With several replicas each one prunes, which is
 * harmless as long as `prune` is an idempotent delete.
 */
export class RetentionSchedule {
  readonly #o: RetentionScheduleOptions;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = true;

  constructor(options: RetentionScheduleOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.#o.retentionMs <= 0) return;
    this.#stopped = false;
    this.#schedule(this.#o.firstRunMs ?? 60_000);
  }

  /** Cancels the schedule; resolves when a run under way has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Removes what is past retention now; resolves with how many rows went. */
  async runOnce(): Promise<number> {
    const olderThan = new Date(this.#clock.now() - this.#o.retentionMs);
    const removed = await this.#o.prune(olderThan);
    if (removed > 0) this.#o.logger.info({ removed, olderThan: olderThan.toISOString() }, `${this.#o.name} past retention removed`);
    return removed;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.runOnce().then(
        () => undefined,
        (err: unknown) => this.#o.logger.warn({ err }, `${this.#o.name} retention run failed; tried again at the next interval`),
      );
      void this.#running.then(() => {
        if (!this.#stopped) this.#schedule(this.#o.intervalMs ?? 3_600_000);
      });
    }, delayMs);
  }
}
