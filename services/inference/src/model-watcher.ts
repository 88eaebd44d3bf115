import { busSubjects, type FrameKind } from '@premonitor/contracts';
import { decodeEvent, type Bus, type BusMessage, type Subscription } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import { ConsumerPolicy, type DeadLetterSink } from '@premonitor/resilience';
import { ModelContractError } from './model-errors.js';
import type { ModelSlot } from './model-slot.js';
import type { ScoringModel } from './scoring-model.js';

/** The part of the model registry inference needs (`ModelRegistry` has it). */
export interface ProductionModelSource {
  loadProduction(kind: string, scope?: string): Promise<{ readonly record: { readonly version: string; readonly sha256: string }; readonly bytes: Uint8Array } | undefined>;
}

/** Turns model bytes into a ready `ScoringModel` (the ONNX adapter in production). */
export type ModelLoader = (bytes: Uint8Array, sha256: string) => Promise<ScoringModel>;

/** Collaborators and settings of {@link ModelWatcher}. */
export interface ModelWatcherOptions {
  readonly kind: FrameKind;
  readonly source: ProductionModelSource;
  readonly load: ModelLoader;
  readonly slot: ModelSlot;
  readonly bus: Bus;
  readonly logger: Logger;
  /**
   * Durable name of this instance's promotion consumer. Unique per replica: every replica
   * must hear every promotion, unlike frames, which replicas share.
   */
  readonly durable: string;
  /** Called after a model is installed (first one, or a swap). */
  readonly onInstalled?: (model: ScoringModel) => void;
  /** Where promotion events that cannot be handled end up (with the durable as their source). */
  readonly deadLetters: DeadLetterSink;
}

/**
 * Keeps the slot on the registry's production model: loads it at start-up, and again on
 * every `pm.models.{kind}.promoted`. The event is only a trigger — the registry is the truth —
 * so late, repeated or out-of-order events converge on the current production model, and one
 * about another scope is a no-op. The new session is created before the swap, so scoring
 * never pauses; the slot lets the in-flight batch finish on the old model.
 */
export class ModelWatcher {
  readonly #o: ModelWatcherOptions;
  readonly #policy: ConsumerPolicy;
  #subscription: Subscription | undefined;
  /** Reloads run one after another, never interleaved. */
  #chain: Promise<unknown> = Promise.resolve();
  #waitingLogged = false;

  constructor(options: ModelWatcherOptions) {
    this.#o = options;
    this.#policy = new ConsumerPolicy({ consumer: options.durable, deadLetters: options.deadLetters, logger: options.logger });
  }

  /**
   * Subscribes to promotions, then loads the current production model. Resolves true when a
   * model is in service; false when the registry has none yet (it arrives with the first promotion).
   */
  async start(): Promise<boolean> {
    const { kind, bus, durable } = this.#o;
    // Subscribed first, so a promotion during the initial load is not missed.
    this.#subscription = await bus.consume(
      this.#policy.spec({ stream: busSubjects.modelPromoted.stream, durable, filterSubject: busSubjects.modelPromoted.subject(kind), deliverPolicy: 'new' }),
      this.#policy.guard((message) => this.#onPromoted(message)),
    );
    return this.refresh();
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    this.#subscription = undefined;
    await this.#chain.catch(() => undefined);
    await this.#policy.settled();
  }

  /** Loads the registry's production model if it differs from the one in service. Resolves true when one is in service. */
  refresh(): Promise<boolean> {
    const next = this.#chain.then(() => this.#reload());
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #reload(): Promise<boolean> {
    const { kind, source, load, slot, logger } = this.#o;
    const production = await source.loadProduction(kind);
    if (!production) {
      if (!this.#waitingLogged) logger.warn({ kind }, `no production ${kind} model in the registry yet; not ready until one is promoted (pm.models.${kind}.promoted)`);
      this.#waitingLogged = true;
      return slot.current !== undefined;
    }
    const current = slot.current;
    if (current?.sha256 === production.record.sha256) return true;
    const model = await load(production.bytes, production.record.sha256);
    slot.install(model);
    logger.info({ kind, version: model.version, previous: current?.version ?? null }, current ? 'model swapped' : 'model loaded');
    this.#o.onInstalled?.(model);
    return true;
  }

  #onPromoted(message: BusMessage): void {
    const decoded = decodeEvent('modelPromoted', message);
    if (!decoded.ok) {
      void this.#policy.deadLetter(message, `unreadable promotion event: ${decoded.reason}`);
      return;
    }
    this.refresh().then(
      () => message.ack(),
      (err: unknown) => {
        if (err instanceof ModelContractError) {
          // Retrying cannot fix the file; the next promotion will be tried afresh.
          this.#o.logger.error({ err, version: decoded.value.version }, 'the promoted model breaks the inference I/O contract; keeping the current one');
          void this.#policy.deadLetter(message, err.message);
          return;
        }
        this.#o.logger.error({ err, version: decoded.value.version }, 'could not load the promoted model; keeping the current one and retrying');
        this.#policy.fail(message, err);
      },
    );
  }
}
