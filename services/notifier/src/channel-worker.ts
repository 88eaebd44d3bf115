import { createHash } from 'node:crypto';
import type { Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { backoffDelayMs } from '@premonitor/resilience';
import type { Clock, TimerHandle } from '@premonitor/time';
import { parseRetryAfter } from './retry-after.js';
import { formatAlert, formatDigest } from './channel-format.js';
import type { AttemptRecord, DeliveryStore, OutboxItem } from './delivery-store.js';
import { CIRCUIT_OPEN, type EndpointBreaker } from './endpoint-breaker.js';
import type { PostResult, WebhookTransport } from './http-transport.js';
import type { NotifierMetrics } from './notifier-metrics.js';
import type { ChannelSettings } from './notifier-settings.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from './signature.js';
import { StormDetector } from './storm-detector.js';
import { TokenBucket } from './token-bucket.js';

export interface ChannelWorkerOptions {
  readonly channel: ChannelSettings;
  readonly store: DeliveryStore;
  readonly transport: WebhookTransport;
  readonly breaker: EndpointBreaker;
  readonly clock: Clock;
  /** Uniform in [0, 1): backoff jitter. */
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: NotifierMetrics;
  /** Longest sleep without a wake-up, so work added by another process is found. Default 5 s. */
  readonly idlePollMs?: number;
  /**
   * How long claimed outbox items stay this process's (replicas share the outbox). Raised to
   * fit two request timeouts, so a claim read now still covers a send started a little later.
   * Default 15 s.
   */
  readonly leaseMs?: number;
}

/** Time kept in hand at the end of a lease for recording an answer before the lease runs out. */
const LEASE_MARGIN_MS = 1_000;

/** Longest `Retry-After` honoured, so a hostile receiver cannot park a channel for days. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;
/** Device buckets kept before full (idle) ones are forgotten. */
const MAX_DEVICE_BUCKETS = 10_000;

/**
 * The delivery queue of one channel: takes due items from the outbox, applies the channel and
 * per-device rate limits, folds storms into digests, sends through the endpoint's breaker and
 * records every attempt. Each channel has its own worker, so a dead endpoint only ever delays
 * its own queue. Up to `sendConcurrency` requests are in flight at once, never two of one
 * alert (its transitions go out in order); after a failed attempt the window drops to one
 * request until one succeeds, so a failing endpoint is not hit by a burst before its
 * breaker opens.
 */
export class ChannelWorker {
  readonly #o: ChannelWorkerOptions;
  readonly #channelBucket: TokenBucket;
  readonly #deviceBuckets = new Map<string, TokenBucket>();
  readonly #storm: StormDetector;
  readonly #abort = new AbortController();
  readonly #idlePollMs: number;
  #running = false;
  #loop: Promise<void> | undefined;
  #woken = false;
  #wakeSleeper: (() => void) | undefined;
  #pausedUntil = 0;
  #digestDueAt: number | undefined;
  /** Sends in flight, by outbox id. */
  readonly #inFlight = new Map<number, Promise<void>>();
  /** Alerts with a transition in flight: their later transitions wait, so each alert's stay in order. */
  readonly #busyAlerts = new Set<string>();
  /** 1 after a failed attempt (a sick endpoint gets one request at a time), `sendConcurrency` after a success. */
  #window = 1;
  readonly #leaseMs: number;

  constructor(options: ChannelWorkerOptions) {
    this.#o = options;
    this.#channelBucket = new TokenBucket(options.channel.rateLimit.perChannel, options.clock);
    this.#storm = new StormDetector(options.channel.digest.windowMs);
    this.#idlePollMs = options.idlePollMs ?? 5_000;
    this.#leaseMs = Math.max(options.leaseMs ?? 15_000, 2 * options.channel.timeoutMs + LEASE_MARGIN_MS);
    options.breaker.onChange((state) => {
      if (state !== 'open') this.wake();
    });
  }

  get name(): string {
    return this.#o.channel.name;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New items were queued for this channel: counts them towards storm detection and wakes the loop. */
  notify(count: number): void {
    this.#storm.record(this.#o.clock.now(), count);
    this.wake();
  }

  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /**
   * Stops after the request in flight, if any, has been answered and recorded; after
   * `drainTimeoutMs` it is aborted instead and stays pending (re-sent, same key, after restart).
   */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.#running = false;
    this.wake();
    const timer = setTimeout(() => this.#abort.abort(), drainTimeoutMs);
    try {
      await this.#loop;
      await Promise.all(this.#inFlight.values());
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let waitMs: number;
      try {
        waitMs = await this.#step();
      } catch (err) {
        this.#o.logger.error({ err, channel: this.name }, 'delivery loop failed; retrying');
        waitMs = 1_000;
      }
      if (waitMs > 0 && this.#running) await this.#sleep(waitMs);
    }
  }

  /** Does one unit of work; returns how long to wait before the next (0: go on). */
  async #step(): Promise<number> {
    const { channel, store, breaker, clock } = this.#o;
    const now = clock.now();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    if (breaker.state === 'open') return this.#idlePollMs; // woken at half-open
    // Sends in flight during the read may settle before their rows come up in the list, which
    // then shows them as they were before: they are skipped (the next read sees them as they are).
    const inFlightAtRead = new Set(this.#inFlight.keys());
    const blocked = new Set(this.#busyAlerts);
    // Leases run on real time (the database's), whatever clock drives rate limits and backoff.
    const leaseEnds = performance.now() + this.#leaseMs;
    const items = await store.ready(channel.name, new Date(now), channel.digest.maxItems, this.#leaseMs);
    if (items.length === 0) {
      const next = await store.nextDueAt(channel.name);
      return next ? Math.min(this.#idlePollMs, Math.max(1, next.getTime() - now)) : this.#idlePollMs;
    }
    const { threshold, windowMs } = channel.digest;
    if (this.#digestDueAt === undefined) {
      // A backlog (after an outage or restart) goes out at once; a storm is collected for one window.
      if (items.length > threshold) this.#digestDueAt = now;
      else if (this.#storm.count(now) > threshold) this.#digestDueAt = now + windowMs;
    }
    if (this.#digestDueAt !== undefined) {
      if (now < this.#digestDueAt) return this.#digestDueAt - now;
      if (this.#inFlight.size > 0) {
        // Let the sends in flight settle first, so none of them is folded into the digest.
        await Promise.all(this.#inFlight.values());
        return 0;
      }
      this.#digestDueAt = undefined;
      if (items.length >= 2) {
        const wait = this.#channelBucket.msUntilToken();
        if (wait > 0) return wait;
        this.#channelBucket.tryTake();
        await this.#sendDigest(items);
        return 0;
      }
    }
    // One read feeds many sends: the whole list is worked through (waiting for free slots)
    // before the outbox is read again.
    let deviceWait = Number.POSITIVE_INFINITY;
    let started = 0;
    for (const item of items) {
      if (inFlightAtRead.has(item.id) || this.#inFlight.has(item.id) || blocked.has(item.event.alertId) || this.#busyAlerts.has(item.event.alertId)) continue;
      // Whatever happens to this item, the alert's later transitions wait for the next read.
      blocked.add(item.event.alertId);
      const bucket = this.#deviceBucket(`${item.event.site}/${item.event.device}`);
      const wait = bucket.msUntilToken();
      if (wait > 0) {
        deviceWait = Math.min(deviceWait, wait);
        continue;
      }
      while (this.#inFlight.size >= this.#window) await Promise.race(this.#inFlight.values());
      if (!this.#running || this.#circuitOpen() || clock.now() < this.#pausedUntil) break;
      // A send must be answered while the claim holds, or another replica may send the item too:
      // past that point the outbox is read again, which renews this process's claims.
      if (performance.now() + channel.timeoutMs + LEASE_MARGIN_MS > leaseEnds) return 0;
      const channelWait = this.#channelBucket.msUntilToken();
      if (channelWait > 0) return started > 0 ? 0 : channelWait;
      this.#channelBucket.tryTake();
      bucket.tryTake();
      this.#start(item);
      started++;
    }
    if (started > 0) return 0;
    if (this.#inFlight.size > 0) {
      // Everything sendable is in flight; what is left waits for one of those to settle.
      await Promise.race(this.#inFlight.values());
      return 0;
    }
    // Every due item's device is over its limit: they wait, and pile into a digest if many.
    return Math.min(deviceWait, this.#idlePollMs);
  }

  #circuitOpen(): boolean {
    return this.#o.breaker.state === 'open';
  }

  #start(item: OutboxItem): void {
    const alertId = item.event.alertId;
    this.#busyAlerts.add(alertId);
    const sending = this.#sendOne(item)
      .catch((err: unknown) => this.#o.logger.error({ err, channel: this.name, key: item.idempotencyKey }, 'delivery failed unexpectedly; it stays queued'))
      .finally(() => {
        this.#inFlight.delete(item.id);
        this.#busyAlerts.delete(alertId);
      });
    this.#inFlight.set(item.id, sending);
  }

  async #sendOne(item: OutboxItem): Promise<void> {
    const { channel, store } = this.#o;
    const sentKey = `${item.idempotencyKey}:${channel.name}`;
    if (item.deliveredBefore) {
      await store.markDelivered(item.id); // another notifier process delivered it meanwhile
      return;
    }
    const body = formatAlert(channel, item.event);
    const result = await this.#post(body, sentKey);
    if (result === CIRCUIT_OPEN || result.kind === 'aborted') return;
    this.#window = result.kind === 'delivered' ? channel.sendConcurrency : 1;
    await store.record([this.#attempt(item, sentKey, result, body)]);
  }

  async #sendDigest(items: readonly OutboxItem[]): Promise<void> {
    const { channel, store, metrics } = this.#o;
    const keyed: { item: OutboxItem; sentKey: string }[] = [];
    for (const item of items) {
      const sentKey = `${item.idempotencyKey}:${channel.name}`;
      if (item.deliveredBefore) await store.markDelivered(item.id);
      else keyed.push({ item, sentKey });
    }
    if (keyed.length === 0) return;
    if (keyed.length === 1) return this.#sendOne(keyed[0]!.item);
    const hash = createHash('sha256');
    for (const k of keyed.map((x) => x.sentKey).sort()) hash.update(`${k}\n`);
    const digestKey = `digest-${hash.digest('hex').slice(0, 32)}`;
    const body = formatDigest(channel, keyed.map((k) => k.item.event), digestKey);
    const result = await this.#post(body, `${digestKey}:${channel.name}`);
    if (result === CIRCUIT_OPEN || result.kind === 'aborted') return;
    if (result.kind === 'delivered') metrics.digests.inc({ channel: channel.name });
    // Each covered item gets its own row under its own key, so none is ever sent again.
    await store.record(keyed.map(({ item, sentKey }) => this.#attempt(item, sentKey, result, { digest: digestKey, items: keyed.length })));
  }

  async #post(body: Json, sentKey: string): Promise<PostResult | typeof CIRCUIT_OPEN> {
    const { channel, transport, breaker, clock, metrics } = this.#o;
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: sentKey };
    if (channel.type === 'webhook' && channel.secret) {
      const ts = Math.floor(clock.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(ts);
      headers[SIGNATURE_HEADER] = signPayload(channel.secret, ts, text);
    }
    const result = await breaker.send(() => transport.post({ url: channel.url, body: text, headers, timeoutMs: channel.timeoutMs, signal: this.#abort.signal }));
    const outcome = result === CIRCUIT_OPEN ? 'circuit_open' : result.kind;
    metrics.attempts.inc({ channel: channel.name, outcome });
    if (result !== CIRCUIT_OPEN && result.kind !== 'aborted') metrics.attemptSeconds.observe({ channel: channel.name }, result.latencyMs / 1000);
    return result;
  }

  #attempt(item: OutboxItem, sentKey: string, result: PostResult, payload: Json): AttemptRecord {
    const { channel, clock, random, logger } = this.#o;
    const attempt = item.attempts + 1;
    const base = { item, sentKey, attempt, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error ?? null, payload };
    if (result.kind === 'delivered') return { ...base, status: 'delivered' };
    const now = clock.now();
    const retryAfterMs = parseRetryAfter(result.retryAfter, now, MAX_RETRY_AFTER_MS);
    // Retry-After speaks for the whole endpoint, not this one message.
    if (retryAfterMs !== undefined) this.#pausedUntil = Math.max(this.#pausedUntil, now + retryAfterMs);
    if (result.kind === 'permanent' || attempt >= channel.maxAttempts) {
      logger.warn({ channel: channel.name, key: sentKey, attempt, error: result.error }, 'delivery dead-lettered');
      return { ...base, status: 'dead' };
    }
    const delay = retryAfterMs ?? backoffDelayMs(attempt, channel.backoff, random);
    return { ...base, status: 'failed', nextAttemptAt: new Date(now + delay) };
  }

  #deviceBucket(key: string): TokenBucket {
    let bucket = this.#deviceBuckets.get(key);
    if (!bucket) {
      if (this.#deviceBuckets.size >= MAX_DEVICE_BUCKETS) {
        for (const [k, b] of this.#deviceBuckets) if (b.isFull()) this.#deviceBuckets.delete(k);
      }
      bucket = new TokenBucket(this.#o.channel.rateLimit.perDevice, this.#o.clock);
      this.#deviceBuckets.set(key, bucket);
    }
    return bucket;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let handle: TimerHandle | undefined = undefined;
      const done = () => {
        this.#o.clock.clearTimeout(handle);
        this.#wakeSleeper = undefined;
        this.#woken = false;
        resolve();
      };
      handle = this.#o.clock.setTimeout(done, ms);
      this.#wakeSleeper = done;
    });
  }
}
