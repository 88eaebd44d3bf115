import type { Logger } from '@premonitor/log';
import type { Clock, TimerHandle } from '@premonitor/time';

/**
 * Runs a task every `intervalMs` on an injected clock, never overlapping itself: the next
 * run is scheduled when the previous one settles, so a slow retrain delays rather than
 * stacks forecasts.
 */
export class IntervalScheduler {
  #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly logger: Logger,
    /** Delay before the first run (default: one interval). */
    private readonly firstDelayMs = intervalMs,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(this.firstDelayMs);
  }

  /** Cancels the next run and waits for a running one. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(delayMs = this.intervalMs): void {
    if (this.#stopped) return;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.task()
        .then(
          () => undefined,
          (err: unknown) => this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'scheduled task failed'),
        )
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, delayMs);
  }
}
