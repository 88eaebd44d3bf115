import type { Kysely } from 'kysely';
import { realClock, type Clock, type TimerHandle } from '@premonitor/bus';
import { pruneDeadLetters, type Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';

/** Settings of {@link DeadLetterPruner}. */
export interface DeadLetterPrunerOptions {
  /** Dead letters are kept this many days; 0 keeps them forever (the pruner does nothing). */
  readonly retentionDays: number;
  /** Time between two runs, ms (default one hour); the first runs one minute after start. */
  readonly intervalMs?: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}

const FIRST_RUN_MS = 60_000;

/**
 * Dead-letter retention: every `intervalMs` removes dead letters older than `retentionDays`,
 * in bounded batches (`pruneDeadLetters`). Ingest runs it because it writes most of them; with
 * several replicas each one prunes, which is harmless (the deletes are idempotent).
 */
export class DeadLetterPruner {
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = true;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: DeadLetterPrunerOptions,
  ) {
    this.#clock = options.clock ?? realClock;
  }

  start(): void {
    if (this.options.retentionDays <= 0) return;
    this.#stopped = false;
    this.#schedule(FIRST_RUN_MS);
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
    const olderThan = new Date(this.#clock.now() - this.options.retentionDays * 86_400_000);
    const removed = await pruneDeadLetters(this.db, { olderThan });
    if (removed > 0) this.options.logger.info({ removed, olderThan: olderThan.toISOString() }, 'dead letters past retention removed');
    return removed;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.runOnce().then(
        () => undefined,
        (err: unknown) => this.options.logger.warn({ err }, 'dead-letter retention run failed; tried again at the next interval'),
      );
      void this.#running.then(() => {
        if (!this.#stopped) this.#schedule(this.options.intervalMs ?? 3_600_000);
      });
    }, delayMs);
  }
}
