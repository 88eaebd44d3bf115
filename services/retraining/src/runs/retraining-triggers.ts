import { Cron } from 'croner';
import type { Logger } from '@premonitor/log';
import { every, type Cancel, type Clock } from '@premonitor/time';
import { TRAINABLE_KINDS, type RunRequest, type StartRefusal, type TrainableKind } from './retraining-runner.js';

/** What the triggers need to know and do (the runner and the two tables, behind small seams). */
export interface TriggerPorts {
  /** Labelled samples of `kind` stored after `since` (all of them when undefined). */
  countSince(kind: string, since: Date | undefined): Promise<number>;
  /** When the last run of `kind` started. */
  lastStart(kind: string): Promise<Date | undefined>;
  run(req: RunRequest): Promise<{ run: { id: number } } | StartRefusal>;
}

/** Settings of {@link RetrainingTriggers}. */
export interface TriggerSettings {
  readonly kinds: readonly TrainableKind[];
  /** New labelled samples since the last run that start a run; 0 turns the trigger off. */
  readonly threshold: number;
  /** Cron expression (UTC) of scheduled runs, e.g. `0 3 * * 0`; undefined: no schedule. */
  readonly schedule: string | undefined;
  /** How often the triggers are looked at, ms. */
  readonly checkMs: number;
  /** Epochs of a triggered run (default: the plan's). */
  readonly epochs?: number;
  /** Triggered runs use the trainers' quick plan. */
  readonly quick?: boolean;
}

/**
 * Starts runs by themselves: when a kind has `threshold` new labelled samples since its last
 * run, at the times of the cron `schedule`, and when a device's scores drift from the
 * production model's reference (`drifted`). A run refused because one is already running
 * (on any replica) or because there are too few samples is simply tried at the next check.
 */
export class RetrainingTriggers {
  readonly #ports: TriggerPorts;
  readonly #s: TriggerSettings;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cron: Cron | undefined;
  readonly #due = new Map<string, number>();
  #cancel: Cancel | undefined;

  constructor(ports: TriggerPorts, settings: TriggerSettings, clock: Clock, logger: Logger) {
    this.#ports = ports;
    this.#s = settings;
    this.#clock = clock;
    this.#logger = logger;
    this.#cron = settings.schedule ? new Cron(settings.schedule, { paused: true, timezone: 'UTC' }) : undefined;
  }

  start(): void {
    this.#cancel = every(this.#clock, this.#s.checkMs, () => void this.check().catch((err: unknown) => this.#logger.warn({ err }, 'retraining trigger check failed')));
  }

  stop(): void {
    this.#cancel?.();
  }

  /**
   * A device's scores drifted from the model's reference: start a run of that kind (if it is
   * one retraining can train). Several devices drifting at once start one run: the others are
   * refused by the lease; a refusal for too few samples is logged and not retried.
   */
  async drifted(kind: string, why: string): Promise<number | undefined> {
    if (!(TRAINABLE_KINDS as readonly string[]).includes(kind)) return undefined;
    const outcome = await this.#ports.run({ kind: kind as TrainableKind, reason: `drift: ${why}`.slice(0, 500), trigger: 'drift', ...(this.#s.epochs === undefined ? {} : { epochs: this.#s.epochs }) });
    if ('run' in outcome) {
      this.#logger.info({ kind, run: outcome.run.id, trigger: 'drift' }, `retraining run started for drift: ${why}`);
      return outcome.run.id;
    }
    this.#logger.info({ kind, refused: outcome.refused, ...(outcome.refused === 'running' ? { running: outcome.running.id } : { message: outcome.message }) }, 'drift trigger fired but no run started');
    return undefined;
  }

  /** One look at every kind; returns the runs it started. */
  async check(): Promise<number[]> {
    const started: number[] = [];
    const now = this.#clock.now();
    for (const kind of this.#s.kinds) {
      const reason = await this.#reason(kind, now);
      if (!reason) continue;
      const outcome = await this.#ports.run({ kind, reason: reason.text, trigger: reason.trigger, ...(this.#s.epochs === undefined ? {} : { epochs: this.#s.epochs }), ...(this.#s.quick ? { quick: true } : {}) });
      if ('run' in outcome) {
        started.push(outcome.run.id);
        this.#logger.info({ kind, run: outcome.run.id, trigger: reason.trigger }, reason.text);
        if (reason.trigger === 'schedule') this.#due.delete(kind);
      } else this.#logger.debug({ kind, refused: outcome.refused }, 'retraining trigger fired but no run started');
    }
    return started;
  }

  async #reason(kind: TrainableKind, now: number): Promise<{ text: string; trigger: 'threshold' | 'schedule' } | undefined> {
    if (this.#s.threshold > 0) {
      const fresh = await this.#ports.countSince(kind, await this.#ports.lastStart(kind));
      if (fresh >= this.#s.threshold) return { text: `${fresh} new labelled ${kind} samples since the last run (threshold ${this.#s.threshold})`, trigger: 'threshold' };
    }
    if (this.#cron) {
      if (!this.#due.has(kind)) this.#due.set(kind, this.#cron.nextRun(new Date(now))?.getTime() ?? Infinity);
      if (now >= this.#due.get(kind)!) return { text: `scheduled run (${this.#s.schedule} UTC)`, trigger: 'schedule' };
    }
    return undefined;
  }
}
