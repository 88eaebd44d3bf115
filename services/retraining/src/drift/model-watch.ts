import type { Registry } from 'prom-client';
import type { ModelHealthEvent } from '@premonitor/contracts';
import type { Subscription } from '@premonitor/bus';
import { databaseDeadLetters } from '@premonitor/db';
import { ConsumerPolicy } from '@premonitor/resilience';
import { DriftMonitor, type DriftSettings } from './drift-monitor.js';
import { consumeFrameScores, consumePromotions } from './model-watch-consumers.js';
import { RolloutWatch, type RolloutSettings, type RolloutWatchDeps } from './rollout-watch.js';

/** Settings of {@link ModelWatch}. */
export interface ModelWatchSettings {
  readonly drift: DriftSettings;
  readonly rollout: Omit<RolloutSettings, 'alertScore'>;
  /** Prefix of the two durable consumers (`<prefix>-model-scores`, `<prefix>-model-promotions`). */
  readonly durablePrefix: string;
  /** Only this site's scores (`*`: every site). */
  readonly site: string;
}

/** Collaborators of {@link ModelWatch}: the rollout watch's, plus its metrics and the drift hook. */
export interface ModelWatchDeps extends RolloutWatchDeps {
  readonly metrics: Registry;
  /** A device started drifting (the retraining trigger, when RETRAINING_ON_DRIFT is on). */
  readonly onDrift?: (event: Extract<ModelHealthEvent, { event: 'drift' }>) => void;
}

/**
 * The watch over production models: drift per device and the rollout watch after each
 * promotion, fed by two consumers — every frame score, and every promotion (which restarts
 * both for its kind).
 */
export class ModelWatch {
  readonly drift: DriftMonitor;
  readonly rollouts: RolloutWatch;
  readonly #deps: ModelWatchDeps;
  readonly #settings: ModelWatchSettings;
  readonly #policy: ConsumerPolicy;
  readonly #subscriptions: Subscription[] = [];

  constructor(deps: ModelWatchDeps, settings: ModelWatchSettings) {
    this.#deps = deps;
    this.#settings = settings;
    const { db, bus, clock, logger } = deps;
    this.drift = new DriftMonitor(
      { db, bus, clock, logger: logger.child({ component: 'drift' }), metrics: deps.metrics, production: async (kind) => (await deps.registry.production(kind))?.version, ...(deps.onDrift ? { onDrift: deps.onDrift } : {}) },
      settings.drift,
    );
    this.rollouts = new RolloutWatch({ db, bus, registry: deps.registry, clock, logger: logger.child({ component: 'rollout' }) }, { ...settings.rollout, alertScore: settings.drift.alertScore });
    this.#policy = new ConsumerPolicy({ consumer: `${settings.durablePrefix}-model-watch`, deadLetters: databaseDeadLetters(db), logger });
  }

  async start(): Promise<void> {
    await this.rollouts.start();
    const { bus } = this.#deps;
    const prefix = this.#settings.durablePrefix;
    this.#subscriptions.push(
      await consumePromotions(bus, this.#policy, `${prefix}-model-promotions`, async (event) => {
        if (event.kind !== 'forecast') await this.drift.modelChanged(event.kind);
        await this.rollouts.promoted(event);
      }),
      // The rollout watch first: a frame that rolls a model back must not also count as its drift.
      await consumeFrameScores(bus, this.#policy, `${prefix}-model-scores`, this.#settings.site, async (event) => {
        await this.rollouts.observe(event);
        await this.drift.observe(event);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const subscription of this.#subscriptions.splice(0)) await subscription.stop();
    await this.#policy.settled();
    // After the consumers drained: the frames they handed over are counted before the end.
    await this.rollouts.stop();
  }
}
