import { busSubjects, type FrameKind } from '@premonitor/contracts';
import { decodeEvent, type Bus, type BusMessage, type Subscription } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import { RegistryError } from '@premonitor/registry';
import { ConsumerPolicy, type DeadLetterSink } from '@premonitor/resilience';
import { systemClock, type Clock } from '@premonitor/time';
import { ModelContractError, ModelLoadError } from './model-errors.js';
import type { ModelSlot } from './model-slot.js';
import type { ScoringModel } from './scoring-model.js';

/** A registered model as the watcher needs it. */
export interface ModelRef {
  readonly version: string;
  readonly sha256: string;
}

/** The part of the model registry inference needs (`ModelRegistry` has it). */
export interface ProductionModelSource {
  /** The production model of `kind`, if any. */
  production(kind: string): Promise<ModelRef | undefined>;
  /** Models to fall back to, best first: earlier production models (newest first), then candidates that passed the model check. */
  lastGoodVersions(kind: string): Promise<readonly ModelRef[]>;
  /** The bytes of one version, verified against its sha256 (a `RegistryError` when missing or corrupt). */
  loadVersion(kind: string, version: string): Promise<{ readonly record: ModelRef; readonly bytes: Uint8Array }>;
}

/** Turns model bytes into a ready `ScoringModel` (the ONNX adapter in production). */
export type ModelLoader = (bytes: Uint8Array, sha256: string) => Promise<ScoringModel>;

/** Which model serves, and why it is not the production one when it is not. */
export interface ModelStatus {
  readonly kind: FrameKind;
  /** The model in service, or null. */
  readonly serving: ModelRef | null;
  /** The registry's production model as last read, or null. */
  readonly production: ModelRef | null;
  /** True while `serving` is not `production` (the production model was refused). */
  readonly fallback: boolean;
  /** Why the production model is not in service, when it is not. */
  readonly reason: string | null;
  /** When it was refused, epoch ms. */
  readonly since: number | null;
}

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
  /** The model of last resort when neither production nor any earlier good version loads (the shipped file). */
  readonly shipped?: () => Promise<{ readonly bytes: Uint8Array; readonly sha256: string } | undefined>;
  /** Called after a model is installed (first one, a swap or a fallback). */
  readonly onInstalled?: (model: ScoringModel) => void;
  /** Called whenever the status changes. */
  readonly onStatus?: (status: ModelStatus) => void;
  /** Called for every model refused (production, fallback or shipped), with why. */
  readonly onRefused?: (err: unknown) => void;
  readonly clock?: Pick<Clock, 'now'>;
  /** Where promotion events that cannot be handled end up (with the durable as their source). */
  readonly deadLetters: DeadLetterSink;
}

/**
 * Keeps the slot on the registry's production model: loads it at start-up, and again on
 * every `pm.models.{kind}.promoted`. The event is only a trigger — the registry is the truth —
 * so late, repeated or out-of-order events converge on the current production model, and one
 * about another scope is a no-op. The new session is created before the swap, so scoring
 * never pauses; the slot lets the in-flight batch finish on the old model.
 *
 * A production model that cannot serve — its artifact missing or corrupt, onnxruntime refusing
 * it, or its contract check failing — never stops the service: on a swap the model in service
 * stays; at start-up the watcher falls back to the last good version (earlier production
 * models, then checked candidates, then the shipped model). Either way it logs an error naming
 * both versions and why, and `status()` / `pm_inference_model_fallback` say so until a usable
 * production model arrives. Errors that are not the model's fault (the database) still throw.
 */
export class ModelWatcher {
  readonly #o: ModelWatcherOptions;
  readonly #policy: ConsumerPolicy;
  #subscription: Subscription | undefined;
  /** Reloads run one after another, never interleaved. */
  #chain: Promise<unknown> = Promise.resolve();
  #waitingLogged = false;
  #status: ModelStatus;

  constructor(options: ModelWatcherOptions) {
    this.#o = options;
    this.#status = { kind: options.kind, serving: null, production: null, fallback: false, reason: null, since: null };
    this.#policy = new ConsumerPolicy({ consumer: options.durable, deadLetters: options.deadLetters, logger: options.logger });
  }

  /**
   * Subscribes to promotions, then loads the current production model (or a fallback).
   * Resolves true when a model is in service; false when none is (none registered yet, or none usable).
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

  /** Which model serves and whether it is the production one. */
  status(): ModelStatus {
    return this.#status;
  }

  /** Loads the registry's production model if it differs from the one in service. Resolves true when one is in service. */
  refresh(): Promise<boolean> {
    const next = this.#chain.then(() => this.#reload());
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #reload(): Promise<boolean> {
    const { kind, source, slot, logger } = this.#o;
    const production = await source.production(kind);
    if (!production) {
      if (!this.#waitingLogged) logger.warn({ kind }, `no production ${kind} model in the registry yet; not ready until one is promoted (${busSubjects.modelPromoted.subject(kind)})`);
      this.#waitingLogged = true;
      return slot.current !== undefined;
    }
    const current = slot.current;
    if (current?.sha256 === production.sha256) {
      this.#setStatus(production, undefined);
      return true;
    }
    let refused: string;
    try {
      this.#install(await this.#open(production), current);
      this.#setStatus(production, undefined);
      return true;
    } catch (err) {
      if (!isModelFault(err)) throw err;
      this.#o.onRefused?.(err);
      refused = (err as Error).message;
    }
    const why = { kind, production: production.version, reason: refused };
    if (current) {
      logger.error({ ...why, serving: current.version }, `production ${kind} model ${production.version} is unusable; keeping ${current.version} in service: ${refused}`);
      this.#setStatus(production, refused);
      return true;
    }
    const fallback = await this.#fallback(production);
    this.#setStatus(production, refused);
    if (fallback) {
      logger.error({ ...why, serving: fallback.version }, `production ${kind} model ${production.version} is unusable; serving ${fallback.version} instead: ${refused}`);
      return true;
    }
    logger.error(why, `production ${kind} model ${production.version} is unusable and no earlier version or shipped model loads; not ready: ${refused}`);
    return false;
  }

  /** Tries the last good versions, then the shipped model; installs and returns the first that loads. */
  async #fallback(production: ModelRef): Promise<ScoringModel | undefined> {
    const { kind, source, logger } = this.#o;
    for (const candidate of await source.lastGoodVersions(kind)) {
      if (candidate.sha256 === production.sha256) continue;
      try {
        const model = await this.#open(candidate);
        this.#install(model, undefined);
        return model;
      } catch (err) {
        if (!isModelFault(err)) throw err;
        this.#o.onRefused?.(err);
        logger.warn({ kind, version: candidate.version, reason: (err as Error).message }, 'fallback model unusable too; trying the next');
      }
    }
    const shipped = await this.#o.shipped?.();
    if (!shipped || shipped.sha256 === production.sha256) return undefined;
    try {
      const model = await this.#o.load(shipped.bytes, shipped.sha256);
      this.#install(model, undefined);
      return model;
    } catch (err) {
      if (!isModelFault(err)) throw err;
      this.#o.onRefused?.(err);
      logger.warn({ kind, reason: (err as Error).message }, 'the shipped model is unusable too');
      return undefined;
    }
  }

  async #open(ref: ModelRef): Promise<ScoringModel> {
    const { bytes, record } = await this.#o.source.loadVersion(this.#o.kind, ref.version);
    return this.#o.load(bytes, record.sha256);
  }

  #install(model: ScoringModel, previous: ScoringModel | undefined): void {
    this.#o.slot.install(model);
    this.#o.logger.info({ kind: this.#o.kind, version: model.version, previous: previous?.version ?? null }, previous ? 'model swapped' : 'model loaded');
    this.#o.onInstalled?.(model);
  }

  #setStatus(production: ModelRef, refused: string | undefined): void {
    const serving = this.#o.slot.current;
    const previous = this.#status;
    const stillRefused = refused !== undefined && previous.reason !== null && previous.production?.sha256 === production.sha256;
    this.#status = {
      kind: this.#o.kind,
      serving: serving ? { version: serving.version, sha256: serving.sha256 } : null,
      production: { version: production.version, sha256: production.sha256 },
      fallback: serving?.sha256 !== production.sha256,
      reason: refused ?? null,
      since: refused === undefined ? null : stillRefused ? previous.since : (this.#o.clock ?? systemClock).now(),
    };
    this.#o.onStatus?.(this.#status);
  }

  #onPromoted(message: BusMessage): void {
    const decoded = decodeEvent('modelPromoted', message);
    if (!decoded.ok) {
      void this.#policy.deadLetter(message, `unreadable promotion event: ${decoded.reason}`);
      return;
    }
    // A refused model is handled inside refresh (kept or fallen back); what throws is transient.
    this.refresh().then(
      () => message.ack(),
      (err: unknown) => {
        this.#o.logger.error({ err, version: decoded.value.version }, 'could not load the promoted model; keeping the current one and retrying');
        this.#policy.fail(message, err);
      },
    );
  }
}

/** Failures of the model itself (artifact, runtime, contract), as opposed to its surroundings (the database, the bus). */
export function isModelFault(err: unknown): boolean {
  return err instanceof ModelContractError || err instanceof ModelLoadError || err instanceof RegistryError;
}

/** A bounded label for `pm_inference_model_refused_total`. */
export function modelFaultCategory(err: unknown): 'contract' | 'artifact' | 'load' {
  return err instanceof ModelContractError ? 'contract' : err instanceof RegistryError ? 'artifact' : 'load';
}
