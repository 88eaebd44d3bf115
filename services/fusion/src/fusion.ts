import { Router } from 'express';
import type { Registry } from 'prom-client';
import { type Bus, type Subscription } from '@premonitor/bus';
import { databaseDeadLetters, RetentionSchedule, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ReadinessCheck } from '@premonitor/http';
import { ConsumerPolicy, settleWithin } from '@premonitor/resilience';
import { systemClock, type Clock, type TimerHandle } from '@premonitor/time';
import { AlertEventStream } from './api/alert-event-stream.js';
import { createAlertsApi } from './api/alerts-api.js';
import { createFeedbackApi } from './api/feedback-api.js';
import { createReportApi } from './api/report-api.js';
import { devicePartition } from './device-partition.js';
import { FeedbackStore } from './feedback-store.js';
import { eventConsumers, type ConsumerSettings } from './event-consumers.js';
import { FusionEngine } from './fusion-engine.js';
import { registerFusionGauges } from './fusion-gauges.js';
import { createFusionMetrics, type FusionMetrics } from './fusion-metrics.js';
import { FusionService } from './fusion-service.js';
import { KyselyAlertStore } from './kysely-alert-store.js';
import { PartitionCoordinator } from './partition-coordinator.js';
import { PartitionLeases } from './partition-leases.js';
import { readRuleFile, readRuleRows } from './rule-sources.js';
import { compileRules } from './rule-set.js';

/** The subscriptions key of an unpartitioned fusion: it consumes every device. */
const EVERY_DEVICE = -1;

/** Everything fusion needs to know, whichever mode wires it. */
export interface FusionSettings {
  /** JSON rules file (see docs in README); undefined = the defaults plus the `fusion_rules` table. */
  readonly rulesFile?: string;
  /** How often the file and the table are re-read, ms; 0 = only at start and on `reloadRules()`. */
  readonly rulesReloadMs: number;
  /** Period of the time-driven checks (silence, quiet periods, outbox), ms. */
  readonly tickMs: number;
  readonly consumers: ConsumerSettings;
  /**
   * Events applied at once across devices (default 32); one device's events are still applied
   * one at a time, in arrival order. 1 = strictly one event at a time.
   */
  readonly concurrency?: number;
  /** Longest `stop()` waits for events being applied, ms (default 10,000); the rest is redelivered. */
  readonly drainTimeoutMs?: number;
  /**
   * How long the keys of applied events are kept, ms (default 48 h; 0 = forever): a redelivery
   * within it is a no-op. Longer than the bus keeps messages (24 h), so no replay outlives it.
   */
  readonly dedupRetentionMs?: number;
  /** How often `GET /alerts/stream` looks for new transitions while a browser listens, ms (default 1,000). */
  readonly streamPollMs?: number;
  /**
   * Replicas sharing the work: the devices are spread over `count` partitions, each consumed by
   * one replica at a time under a lease in PostgreSQL (see docs/ARCHITECTURE.md). Unset: this
   * process consumes every device (one replica).
   */
  readonly partitions?: { readonly count: number; readonly leaseMs: number; readonly replica: string };
}

/** Default of `FusionSettings.streamPollMs`: a transition reaches the console within a second. */
export const DEFAULT_STREAM_POLL_MS = 1_000;

/** Default of `FusionSettings.dedupRetentionMs`: twice the 24 h the streams keep messages. */
export const DEFAULT_DEDUP_RETENTION_MS = 48 * 3_600_000;

export interface FusionDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Time source of every window, silence and quiet period. Default: the real clock. */
  readonly clock?: Clock;
}

/** Rules that failed validation at start-up, when there are no previous rules to keep. */
export class RuleConfigError extends Error {
  override readonly name = 'RuleConfigError';
}

/** Outcome of a rules reload: the old rules stay active when it failed. */
export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Fusion as one unit: bus events → rules → alert lifecycle in the database → `pm.alerts.*`, plus its API. */
export class Fusion {
  readonly router: Router;
  readonly readiness: readonly ReadinessCheck[];
  readonly #engine = new FusionEngine();
  readonly #service: FusionService;
  readonly #metrics: FusionMetrics;
  readonly #clock: Clock;
  /** Subscriptions by partition (-1: every device, when the work is not partitioned). */
  readonly #subscriptions = new Map<number, Subscription[]>();
  readonly #policies: ConsumerPolicy[] = [];
  /** Events being applied (their bus messages are acked or nak-ed when they settle), by partition. */
  readonly #inFlight = new Map<number, Set<Promise<void>>>();
  readonly #partitions: PartitionCoordinator | undefined;
  readonly #dedupRetention: RetentionSchedule;
  readonly #stream: AlertEventStream;
  #reloadTimer: TimerHandle | undefined;
  #running = false;

  constructor(
    private readonly settings: FusionSettings,
    private readonly deps: FusionDependencies,
  ) {
    this.#clock = deps.clock ?? systemClock;
    this.#metrics = createFusionMetrics(deps.registry);
    registerFusionGauges(deps.registry, deps.db.db);
    const store = new KyselyAlertStore(deps.db.db);
    this.#dedupRetention = new RetentionSchedule({
      name: 'applied event keys',
      retentionMs: settings.dedupRetentionMs ?? DEFAULT_DEDUP_RETENTION_MS,
      // Up to 5 million keys an hour (1,000 batches of 5,000, ~7 ms each): a sustained ~1,400 raises/s.
      prune: (olderThan) => store.forgetAppliedEvents(olderThan, 1_000),
      logger: deps.logger,
      clock: this.#clock,
    });
    this.#service = new FusionService({
      engine: this.#engine,
      store,
      bus: deps.bus,
      clock: this.#clock,
      logger: deps.logger,
      metrics: this.#metrics,
      tickMs: settings.tickMs,
    });
    this.#stream = new AlertEventStream(deps.db.db, { clock: this.#clock, logger: deps.logger, pollMs: settings.streamPollMs ?? DEFAULT_STREAM_POLL_MS });
    const partitions = settings.partitions;
    this.#partitions = partitions
      ? new PartitionCoordinator(
          new PartitionLeases(deps.db.db, partitions),
          { gain: (p) => this.#gain(p), lose: (p) => this.#lose(p) },
          { count: partitions.count, leaseMs: partitions.leaseMs, logger: deps.logger },
        )
      : undefined;
    this.router = Router()
      // Before the alerts API: its 16 kB JSON parser covers /alerts/*, and a report's body is parsed by its own (UTF-8 checked, room for a 100 kB text to refuse by reason).
      .use(createReportApi({ db: deps.db.db, bus: deps.bus, clock: this.#clock, logger: deps.logger }))
      .use(createAlertsApi(deps.db.db, (id, ref, rule, to, actor, note) => this.#service.transition(id, ref, rule, to, actor, note), this.#stream))
      .use(createFeedbackApi({ store: new FeedbackStore(deps.db.db), bus: deps.bus, clock: this.#clock, logger: deps.logger }));
    this.readiness = [
      { name: 'bus', check: () => deps.bus.isReady() },
      { name: 'database', check: () => deps.db.ping() },
    ];
  }

  /**
   * Loads the rules (refusing to start on invalid ones), resumes open alerts, then consumes:
   * every device, or the partitions this replica gets a lease on.
   */
  async start(): Promise<void> {
    const loaded = await this.reloadRules();
    if (!loaded.ok) throw new RuleConfigError(`fusion rules are invalid: ${loaded.error}`);
    if (this.#partitions) {
      // Devices are adopted partition by partition, as their leases are taken.
      await this.#service.start(() => false);
      await this.#partitions.start();
    } else {
      await this.#service.start();
      await this.#consume(EVERY_DEVICE, this.settings.consumers.durablePrefix);
    }
    this.#running = true;
    this.#scheduleReload();
    this.#dedupRetention.start();
  }

  /** The partitions this replica consumes (undefined: not partitioned, it consumes every device). */
  get partitions(): readonly number[] | undefined {
    return this.#partitions?.held;
  }

  /** A partition became this replica's: its devices' open alerts are resumed, then its durables consumed. */
  async #gain(partition: number): Promise<void> {
    const { count } = this.settings.partitions!;
    await this.#service.adopt((ref) => devicePartition(ref, count) === partition);
    // The count is part of the name: with another count the devices fall into other partitions,
    // so the acknowledged positions of these durables would not hold for them.
    await this.#consume(partition, `${this.settings.consumers.durablePrefix}_p${partition}of${count}`);
  }

  /** A partition went to another replica (or this one stops): stop its consumers, let its events settle, forget its devices. */
  async #lose(partition: number): Promise<void> {
    const { count } = this.settings.partitions!;
    const subscriptions = this.#subscriptions.get(partition) ?? [];
    this.#subscriptions.delete(partition);
    await Promise.all(subscriptions.map((s) => s.stop()));
    await Promise.all(this.#inFlight.get(partition) ?? []);
    await this.#service.release((ref) => devicePartition(ref, count) === partition);
  }

  /**
   * Consumes fusion's five inputs on durables named `durablePrefix_*`. A partition's durables
   * see every device's events and apply only the partition's: the others are acknowledged
   * unread (their own partition's durables hold them), which costs one delivery per partition
   * of each event and keeps every device's events on one replica without changing the streams.
   */
  async #consume(partition: number, durablePrefix: string): Promise<void> {
    const deadLetters = databaseDeadLetters(this.deps.db.db);
    const count = this.settings.partitions?.count ?? 1;
    const inFlight = new Set<Promise<void>>();
    this.#inFlight.set(partition, inFlight);
    const subscriptions: Subscription[] = [];
    this.#subscriptions.set(partition, subscriptions);
    for (const consumer of eventConsumers({ ...this.settings.consumers, durablePrefix })) {
      const policy = new ConsumerPolicy({ consumer: consumer.spec.durable, deadLetters, logger: this.deps.logger });
      this.#policies.push(policy);
      const subscription = await this.deps.bus.consume(policy.spec(consumer.spec), policy.guard(async (message) => {
        const decoded = consumer.decode(message);
        if (!decoded.ok) {
          // Dead-lettered once, by the first partition's durable (every partition sees it).
          if (partition <= 0) {
            this.#metrics.rejected.inc({ type: consumer.type });
            void policy.deadLetter(message, `invalid ${consumer.type} event: ${decoded.reason}`);
          } else message.ack();
          return;
        }
        const { site, device } = decoded.signal.event;
        if (partition !== EVERY_DEVICE && devicePartition({ site, device }, count) !== partition) {
          message.ack();
          return;
        }
        // Not awaited: the bus hands over one message at a time and waits for the handler, so
        // awaiting each event's database transaction and publish would apply the whole fleet's
        // events one after another. The service keeps each device's events in order (one
        // queue per device); the bound below is the back-pressure.
        const applied: Promise<void> = this.#service.handle(decoded.signal).then(
          () => message.ack(),
          (err: unknown) => {
            this.deps.logger.warn({ err, subject: message.subject }, 'event not applied; redelivering');
            policy.fail(message, err);
          },
        );
        inFlight.add(applied);
        void applied.finally(() => inFlight.delete(applied));
        while (inFlight.size >= (this.settings.concurrency ?? 32)) await Promise.race(inFlight);
      }));
      subscriptions.push(subscription);
    }
  }

  /**
   * Stops consuming (in-flight events finish and are acked), then the timers — the first part
   * within `drainTimeoutMs` whatever is stuck: events not acknowledged by then are redelivered.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stream.close();
    if (this.#reloadTimer !== undefined) this.#clock.clearTimeout(this.#reloadTimer);
    this.#reloadTimer = undefined;
    const timeoutMs = this.settings.drainTimeoutMs ?? 10_000;
    const drained = await settleWithin(
      (async () => {
        if (this.#partitions) await this.#partitions.stop();
        const subscriptions = [...this.#subscriptions.values()].flat();
        this.#subscriptions.clear();
        await Promise.all(subscriptions.map((s) => s.stop()));
        await Promise.all([...this.#inFlight.values()].flatMap((set) => [...set]));
        await Promise.all(this.#policies.map((p) => p.settled()));
      })(),
      timeoutMs,
    );
    if (!drained) this.deps.logger.warn({ inFlight: [...this.#inFlight.values()].reduce((n, set) => n + set.size, 0), timeoutMs }, 'fusion drain timed out; unacknowledged events stay with the bus');
    await settleWithin(Promise.all([this.#service.stop(), this.#dedupRetention.stop()]), timeoutMs);
  }

  /**
   * Re-reads the rules file and the `fusion_rules` table. Invalid rules are refused with a
   * message naming the rule, scope and field; the rules in force stay active.
   */
  async reloadRules(): Promise<ReloadResult> {
    let result: ReloadResult;
    try {
      const compiled = compileRules(await readRuleFile(this.settings.rulesFile), await readRuleRows(this.deps.db.db));
      if (compiled.ok) this.#engine.setRules(compiled.ruleSet);
      result = compiled.ok ? { ok: true } : { ok: false, error: compiled.error };
      if (compiled.ok) this.deps.logger.info(compiled.ruleSet.summary(), 'fusion rules loaded');
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    this.#metrics.ruleLoads.inc({ outcome: result.ok ? 'ok' : 'invalid' });
    if (!result.ok) this.deps.logger.error({ error: result.error }, this.#running ? 'fusion rules refused; the previous rules stay active' : 'fusion rules refused');
    return result;
  }

  /** Runs the time-driven checks now (the clock's timer also does, every `tickMs`). */
  tick(): Promise<void> {
    return this.#service.tick();
  }

  #scheduleReload(): void {
    if (!this.#running || this.settings.rulesReloadMs <= 0) return;
    this.#reloadTimer = this.#clock.setTimeout(() => {
      void this.reloadRules().finally(() => this.#scheduleReload());
    }, this.settings.rulesReloadMs);
  }
}
