import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { INGEST_SUBSCRIPTIONS } from '@premonitor/contracts';
import { type Bus } from '@premonitor/bus';
import { pruneDeadLetters, RetentionSchedule, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ReadinessCheck } from '@premonitor/http';
import { settleWithin } from '@premonitor/resilience';
import { systemClock, type Clock } from '@premonitor/time';
import { createReadApi } from './api/read-api.js';
import { createScoresApi } from './api/scores-api.js';
import type { AcceptLimits } from './classify-message.js';
import { registerFleetGauges } from './fleet-gauges.js';
import { createIngestMetrics } from './ingest-metrics.js';
import { IngestService, type IngestStats } from './ingest-service.js';
import type { IngestStore } from './ingest-store.js';
import { KyselyIngestStore } from './kysely-ingest-store.js';
import { MqttGateway } from './mqtt-gateway.js';

/** Everything ingest needs to know, whichever mode wires it. */
export interface IngestSettings {
  readonly mqtt: {
    readonly url: string;
    readonly username?: string;
    readonly password?: string;
    readonly clientId: string;
    /** `$share/<group>/` prefix for replicas; empty for plain subscriptions. */
    readonly sharedGroup: string;
    readonly receiveMaximum: number;
    readonly protocolVersion: 4 | 5;
  };
  readonly batchSize: number;
  readonly batchMaxWaitMs: number;
  /** Telemetry batches persisted at once; 1 for PGlite (one connection), 2–4 for PostgreSQL. */
  readonly batchConcurrency: number;
  readonly deadLetterMaxBytes: number;
  readonly limits: AcceptLimits;
  /**
   * Wait for the WAL flush before acknowledging telemetry (default true). `false` trades the
   * last few hundred ms of acknowledged telemetry on a database crash for cheaper commits.
   */
  readonly synchronousCommit?: boolean;
  /**
   * Longest `stop()` waits for the drain, and then for the broker to take the last acks, ms
   * (default 10,000 each). What is not drained by then stays unacknowledged with the broker.
   */
  readonly drainTimeoutMs?: number;
  /** Days dead letters are kept (default 30); 0 keeps them forever. */
  readonly deadLetterRetentionDays?: number;
}

export interface IngestDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
  /** Wraps the database store (tests inject failures with it). */
  readonly wrapStore?: (store: IngestStore) => IngestStore;
}

/** Ingest as one unit: MQTT gateway → validation → database and bus, plus its read API. */
export class Ingest {
  readonly router: Router;
  readonly readiness: readonly ReadinessCheck[];
  readonly #gateway: MqttGateway;
  readonly #service: IngestService;
  readonly #pruner: RetentionSchedule;
  readonly #clock: Clock;

  constructor(
    private readonly settings: IngestSettings,
    private readonly deps: IngestDependencies,
  ) {
    const { mqtt } = settings;
    this.#clock = deps.clock ?? systemClock;
    const prefix = mqtt.sharedGroup ? `$share/${mqtt.sharedGroup}/` : '';
    this.#gateway = new MqttGateway({
      url: mqtt.url,
      username: mqtt.username,
      password: mqtt.password,
      clientId: mqtt.clientId,
      subscriptions: INGEST_SUBSCRIPTIONS.map((t) => prefix + t),
      receiveMaximum: mqtt.receiveMaximum,
      protocolVersion: mqtt.protocolVersion,
      logger: deps.logger,
    });
    const wrap = deps.wrapStore ?? ((store: IngestStore) => store);
    const metrics = createIngestMetrics(deps.registry, () => this.#gateway.pendingAcks());
    registerFleetGauges(deps.registry, deps.db.db);
    this.#service = new IngestService({
      store: wrap(new KyselyIngestStore(deps.db.db, { deadLetterMaxBytes: settings.deadLetterMaxBytes, synchronousCommit: settings.synchronousCommit ?? true })),
      bus: deps.bus,
      metrics,
      logger: deps.logger,
      limits: settings.limits,
      batchSize: settings.batchSize,
      batchMaxWaitMs: settings.batchMaxWaitMs,
      batchConcurrency: settings.batchConcurrency,
      deadLetterMaxBytes: settings.deadLetterMaxBytes,
      clock: this.#clock,
    });
    // Ingest prunes dead letters because it writes most of them.
    this.#pruner = new RetentionSchedule({
      name: 'dead letters',
      retentionMs: (settings.deadLetterRetentionDays ?? 30) * 86_400_000,
      prune: (olderThan) => pruneDeadLetters(deps.db.db, { olderThan }),
      logger: deps.logger,
      clock: this.#clock,
    });
    this.#gateway.onMessage((message) => this.#service.handle(message));
    this.router = createReadApi(deps.db.db).use(createScoresApi(deps.db.db));
    this.readiness = [
      { name: 'mqtt', check: () => this.#gateway.isConnected() },
      { name: 'bus', check: () => deps.bus.isReady() },
      { name: 'database', check: () => deps.db.ping() },
    ];
  }

  get stats(): Readonly<IngestStats> {
    return this.#service.stats;
  }

  /** Messages accepted and not yet persisted or forwarded. */
  backlog(): number {
    return this.#service.backlog();
  }

  async start(): Promise<void> {
    await this.#gateway.start();
    this.#pruner.start();
  }

  /**
   * Drains: stops taking messages, persists and forwards what was taken (acknowledging it),
   * then disconnects — each step within `drainTimeoutMs`, whatever is stuck (database or bus
   * down, broker gone). Anything not acknowledged by then stays with the broker, which
   * redelivers it to the next session; a warning names what was left.
   */
  async stop(drainTimeoutMs = this.settings.drainTimeoutMs ?? 10_000): Promise<void> {
    this.#gateway.pause();
    const drained = await settleWithin(Promise.all([this.#service.drain(), this.#pruner.stop()]), drainTimeoutMs, this.#clock);
    if (!drained) {
      this.deps.logger.warn({ abandoned: this.#service.backlogByChannel(), drainTimeoutMs }, 'drain timed out; unacknowledged messages stay with the broker');
    }
    this.#service.stop();
    await this.#gateway.stop(drainTimeoutMs);
  }
}
