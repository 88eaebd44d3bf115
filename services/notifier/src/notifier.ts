import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { busSubjects } from '@premonitor/contracts';
import { type Bus, type Subscription } from '@premonitor/bus';
import { databaseDeadLetters, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ReadinessCheck } from '@premonitor/http';
import { ConsumerPolicy, settleWithin } from '@premonitor/resilience';
import { systemClock, type Clock } from '@premonitor/time';
import { AlertIntake } from './alert-intake.js';
import { createChannelApi, hostOf, type ChannelView } from './api/channel-api.js';
import { createDeadLetterApi } from './api/dead-letter-api.js';
import { ChannelWorker } from './channel-worker.js';
import type { DeliveryStore } from './delivery-store.js';
import { EndpointBreaker } from './endpoint-breaker.js';
import { NodeHttpTransport, type WebhookTransport } from './http-transport.js';
import { KyselyDeliveryStore } from './kysely-delivery-store.js';
import { registerNotifierGauges } from './notifier-gauges.js';
import { createNotifierMetrics } from './notifier-metrics.js';
import type { ChannelSettings, RouteSettings, RoutingSettings } from './notifier-settings.js';
import { assertPublicUrl, resolveAll, type ResolveAll } from './url-guard.js';

/** Everything the notifier needs to know, whichever mode wires it. */
export interface NotifierSettings {
  readonly routing: RoutingSettings;
  /** Durable consumer name on PM_ALERTS; replicas sharing it split the work. Default `notifier`. */
  readonly durable?: string;
  /** Where a new durable starts: every stored transition (default `all`), or only new ones. */
  readonly deliverPolicy?: 'all' | 'new';
  /** Longest wait for the bus message of an alert to be queued before redelivery. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Longest sleep of an idle channel queue between database polls, ms. Default 5 s. */
  readonly idlePollMs?: number;
  /** How long a replica's claim on outbox items lasts before another may take them, ms. Default 15 s. */
  readonly leaseMs?: number;
}

export interface NotifierDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Default: the real clock. Drives rate limits, backoff, digests and signing time. */
  readonly clock?: Clock;
  /** Default `Math.random`: backoff jitter. */
  readonly random?: () => number;
  /** Default `dns.lookup`: resolves webhook hosts for the start-up SSRF check. */
  readonly resolve?: ResolveAll;
}

/**
 * Alert notifications as one unit: PM_ALERTS consumer → routing → outbox → one delivery queue
 * per channel (rate limits, digests, circuit breaker, retries, dead letters), plus the
 * dead-letter API.
 */
export class Notifier {
  readonly router: Router;
  readonly readiness: readonly ReadinessCheck[];
  readonly #workers = new Map<string, ChannelWorker>();
  readonly #breakers: EndpointBreaker[] = [];
  readonly #store: DeliveryStore;
  readonly #transport: WebhookTransport;
  readonly #intake: AlertIntake;
  readonly #clock: Clock;
  readonly #policy: ConsumerPolicy;
  #subscription: Subscription | undefined;

  constructor(
    private readonly settings: NotifierSettings,
    private readonly deps: NotifierDependencies,
  ) {
    const { routing } = settings;
    this.#clock = deps.clock ?? systemClock;
    // Unique per process start: a restarted notifier must not take its killed predecessor's
    // leases for its own (they expire instead, like any other dead replica's).
    this.#store = new KyselyDeliveryStore(deps.db.db, `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`);
    this.#transport = new NodeHttpTransport({ allowPrivateNetworks: routing.allowPrivateNetworks, allowHttp: routing.allowHttp });
    const metrics = createNotifierMetrics(deps.registry);
    const breakers = new Map<string, EndpointBreaker>();
    const channelBreakers = new Map<string, EndpointBreaker>();
    for (const channel of routing.channels) {
      // One breaker per endpoint: channels posting to the same URL share its health.
      let breaker = breakers.get(channel.url);
      if (!breaker) {
        breaker = new EndpointBreaker(channel.breaker);
        breakers.set(channel.url, breaker);
        this.#breakers.push(breaker);
      }
      channelBreakers.set(channel.name, breaker);
      this.#workers.set(
        channel.name,
        new ChannelWorker({
          channel,
          store: this.#store,
          transport: this.#transport,
          breaker,
          clock: this.#clock,
          random: deps.random ?? Math.random,
          logger: deps.logger,
          metrics,
          idlePollMs: settings.idlePollMs,
          leaseMs: settings.leaseMs,
        }),
      );
    }
    registerNotifierGauges(deps.registry, deps.db.db, channelBreakers);
    this.#policy = new ConsumerPolicy({ consumer: settings.durable ?? 'notifier', deadLetters: databaseDeadLetters(deps.db.db), logger: deps.logger, random: deps.random });
    this.#intake = new AlertIntake({
      policy: this.#policy,
      store: this.#store,
      routes: routing.routes,
      now: () => this.#clock.now(),
      logger: deps.logger,
      metrics,
      queued: (channel, count) => this.#workers.get(channel)?.notify(count),
    });
    this.router = Router();
    this.router.use(createDeadLetterApi(this.#store, () => this.#clock.now(), (channel) => this.#workers.get(channel)?.wake()));
    this.router.use(createChannelApi(() => routing.channels.map((c) => channelView(c, routing.routes, channelBreakers.get(c.name)!))));
    this.readiness = [
      { name: 'bus', check: () => deps.bus.isReady() },
      { name: 'database', check: () => deps.db.ping() },
    ];
  }

  /**
   * Refuses webhook hosts that resolve to non-public addresses (unless allowed), then resumes
   * every channel's queue from the outbox and starts consuming alert transitions.
   */
  async start(): Promise<void> {
    const { routing } = this.settings;
    const policy = { allowPrivateNetworks: routing.allowPrivateNetworks, allowHttp: routing.allowHttp };
    for (const channel of routing.channels) {
      try {
        await assertPublicUrl(channel.url, policy, this.deps.resolve ?? resolveAll);
      } catch (err) {
        if ((err as { code?: string }).code === 'EUNSAFEURL') throw err;
        // DNS may be briefly unavailable; every connection is checked again at send time.
        this.deps.logger.warn({ channel: channel.name, err }, 'could not resolve webhook host at start-up');
      }
    }
    for (const worker of this.#workers.values()) worker.start();
    this.#subscription = await this.deps.bus.consume(
      this.#policy.spec({
        stream: busSubjects.alerts.stream,
        durable: this.settings.durable ?? 'notifier',
        filterSubject: busSubjects.alerts.wildcard,
        ackWaitMs: this.settings.ackWaitMs ?? 30_000,
        deliverPolicy: this.settings.deliverPolicy ?? 'all',
      }),
      this.#policy.guard((message) => this.#intake.handle(message)),
    );
  }

  /**
   * Stops consuming (in-flight bus messages finish being queued), then lets each channel finish
   * the request it has in flight; one still unanswered after `drainTimeoutMs` is aborted and
   * stays queued for the next start.
   */
  async stop(drainTimeoutMs = 10_000): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    const drained = await settleWithin(
      (async () => {
        await subscription?.stop();
        await this.#intake.drain();
        await this.#policy.settled();
      })(),
      drainTimeoutMs,
    );
    if (!drained) this.deps.logger.warn({ drainTimeoutMs }, 'notifier intake drain timed out; unqueued alerts stay with the bus');
    await Promise.all([...this.#workers.values()].map((w) => w.stop(drainTimeoutMs)));
    try {
      await this.#store.releaseClaims();
    } catch (err) {
      // Not fatal: the claims expire on their own.
      this.deps.logger.warn({ err }, 'could not release outbox claims; other replicas take them when the leases expire');
    }
    for (const breaker of this.#breakers) breaker.shutdown();
    this.#transport.close();
  }
}

/** A channel as `GET /notifications/channels` shows it. */
function channelView(channel: ChannelSettings, routes: readonly RouteSettings[], breaker: EndpointBreaker): ChannelView {
  return { name: channel.name, type: channel.type, host: hostOf(channel.url), breaker: breaker.state, maxAttempts: channel.maxAttempts, routes: routes.filter((r) => r.channels.includes(channel.name)) };
}
