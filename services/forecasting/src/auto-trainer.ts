import type { Logger } from '@premonitor/log';
import { backoffDelayMs, noJitter } from '@premonitor/resilience';
import type { Clock } from '@premonitor/time';
import { TrainingInProgressError } from './errors.js';
import type { ForecastService } from './forecast-service.js';
import type { ReadingsRepository } from './readings-repository.js';
import { forecastScope } from './store/forecast-model-store.js';

/** Settings of {@link AutoTrainer}. */
export interface AutoTrainSettings {
  /** Look for sensors without a model this often; 0 turns automatic training off. */
  readonly intervalMs: number;
  /** Readings (within {@link lookbackMs}) a sensor needs before it gets a model. */
  readonly minPoints: number;
  /** Only readings this recent are counted, which bounds the query on a long `readings` table. */
  readonly lookbackMs: number;
  /** Trainings run at once (they share the event loop: 1 keeps the API responsive). */
  readonly concurrency: number;
}

/** Collaborators of {@link AutoTrainer}: only what it uses. */
export interface AutoTrainDeps {
  readonly service: Pick<ForecastService, 'model' | 'train'>;
  readonly readings: Pick<ReadingsRepository, 'seriesWithHistory'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What one pass did. */
export interface AutoTrainReport {
  readonly candidates: number;
  readonly trained: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Gives every sensor with enough recent history a forecaster without anyone calling
 * `POST /train`: each pass lists the (device, sensor) pairs with at least `minPoints`
 * readings in the lookback, and trains those without a model, `concurrency` at a time, with
 * the service's default settings (so the model choice picks the forecaster). A pair whose
 * training failed (gaps, too little consecutive history) waits before the next attempt, one
 * interval doubling up to a day, so it does not cost a training every pass.
 */
export class AutoTrainer {
  readonly #failures = new Map<string, { attempts: number; retryAt: number }>();
  #lastRun: number | undefined;
  #stopping = false;

  constructor(
    private readonly settings: AutoTrainSettings,
    private readonly deps: AutoTrainDeps,
  ) {}

  get lastRun(): number | undefined {
    return this.#lastRun;
  }

  /**
   * Takes no further sensor in a running pass: shutdown then waits for the trainings already
   * under way only, not for a whole pass over every sensor (which can take minutes).
   */
  stop(): void {
    this.#stopping = true;
  }

  async run(): Promise<AutoTrainReport> {
    const { clock, logger, service } = this.deps;
    this.#stopping = false;
    const now = clock.now();
    const pairs = await this.deps.readings.seriesWithHistory(new Date(now - this.settings.lookbackMs), this.settings.minPoints);
    const todo = pairs.filter((p) => !service.model(p.deviceId, p.key) && (this.#failures.get(forecastScope(p.deviceId, p.key))?.retryAt ?? 0) <= now);
    const trained: string[] = [];
    const failed: string[] = [];
    if (todo.length > 0) logger.info({ candidates: todo.length, concurrency: this.settings.concurrency }, 'auto-training sensors that have enough history and no model');
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !this.#stopping) {
        const i = next++;
        const { deviceId, key } = todo[i]!;
        const scope = forecastScope(deviceId, key);
        logger.info({ scope, readings: todo[i]!.count, progress: `${i + 1}/${todo.length}` }, 'auto-training a forecaster');
        try {
          const record = await service.train({ deviceId, sensorKey: key });
          this.#failures.delete(scope);
          trained.push(scope);
          logger.info({ scope, version: record.version, chosen: record.metrics.chosen, seconds: record.metrics.trainSeconds, progress: `${i + 1}/${todo.length}` }, 'auto-trained a forecaster');
        } catch (err) {
          // Someone else is training the pair right now: theirs will do.
          if (err instanceof TrainingInProgressError) continue;
          const attempts = (this.#failures.get(scope)?.attempts ?? 0) + 1;
          const wait = backoffDelayMs(attempts, { baseMs: this.settings.intervalMs, maxMs: 86_400_000 }, noJitter);
          this.#failures.set(scope, { attempts, retryAt: clock.now() + wait });
          failed.push(scope);
          logger.warn({ scope, attempts, retryInMinutes: Math.round(wait / 60_000), err: err instanceof Error ? err.message : String(err) }, 'auto-training failed; will retry later');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.settings.concurrency) }, worker));
    this.#lastRun = clock.now();
    if (todo.length > 0) logger.info({ trained: trained.length, failed: failed.length }, 'auto-training pass done');
    return { candidates: todo.length, trained, failed };
  }
}
