import { plainText } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { backoffDelayMs, noJitter } from '@premonitor/resilience/backoff';
import type { Clock } from '@premonitor/time';
import { pause, type SampleSink, type SensorSource } from './sensor-source.js';

/** A source's state as reported in the device status. */
export interface SourceState {
  readonly state: 'ok' | 'failing' | 'stopped';
  readonly lastError?: string;
  readonly restarts: number;
}

/** Options of {@link SourceSupervisor}. */
export interface SourceSupervisorOptions {
  readonly sources: readonly SensorSource[];
  readonly sink: SampleSink;
  /** First retry delay, ms; doubles per consecutive failure. Default 1 000. */
  readonly initialBackoffMs?: number;
  /** Longest retry delay, ms. Default 60 000. */
  readonly maxBackoffMs?: number;
  /** A run that lasted this long resets the backoff. Default 60 000 ms. */
  readonly healthyAfterMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Runs every source independently: one that fails is reported (`failing` + its error) and
 * restarted with exponential backoff while the others keep running; one that finishes (a
 * replay without looping) is `stopped`.
 */
export class SourceSupervisor {
  readonly #o: SourceSupervisorOptions;
  readonly #states = new Map<string, SourceState>();
  readonly #abort = new AbortController();
  #runs: Promise<void>[] = [];

  constructor(options: SourceSupervisorOptions) {
    this.#o = options;
    for (const s of options.sources) this.#states.set(s.name, { state: 'ok', restarts: 0 });
  }

  start(): void {
    if (this.#runs.length > 0) return;
    this.#runs = this.#o.sources.map((s) => this.#supervise(s));
  }

  /** Aborts every source and waits for them to return. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#runs);
  }

  /** Per source: state, last error, restarts. */
  states(): Record<string, SourceState> {
    return Object.fromEntries(this.#states);
  }

  async #supervise(source: SensorSource): Promise<void> {
    const { clock, logger } = this.#o;
    const signal = this.#abort.signal;
    const log = logger.child({ source: source.name });
    let failures = 0;
    while (!signal.aborted) {
      const started = clock.now();
      try {
        await source.run((sample) => {
          this.#markOk(source.name);
          return this.#o.sink(sample);
        }, signal);
        if (!signal.aborted) {
          this.#set(source.name, { state: 'stopped' });
          log.info('source finished');
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (clock.now() - started >= (this.#o.healthyAfterMs ?? 60_000)) failures = 0;
        failures++;
        const delay = backoffDelayMs(failures, { baseMs: this.#o.initialBackoffMs ?? 1_000, maxMs: this.#o.maxBackoffMs ?? 60_000 }, noJitter);
        // Published in the retained status, whose text fields refuse control characters (a command's stderr has them).
        const message = plainText((err as Error).message, 500);
        this.#set(source.name, { state: 'failing', lastError: message, restarts: (this.#states.get(source.name)?.restarts ?? 0) + 1 });
        log.warn({ err: message, retryInMs: delay }, 'source failed; retrying');
        await pause(clock, delay, signal);
      }
    }
  }

  #set(name: string, patch: Partial<SourceState>): void {
    const prev = this.#states.get(name) ?? { state: 'ok', restarts: 0 };
    this.#states.set(name, { ...prev, ...patch });
  }

  /** A source that produces again is healthy (its last error stays for the record). */
  #markOk(name: string): void {
    const prev = this.#states.get(name);
    if (prev && prev.state === 'failing') this.#states.set(name, { ...prev, state: 'ok' });
  }
}
