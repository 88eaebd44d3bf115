import { decodeEvent, type Bus, type Subscription } from '@premonitor/bus';
import { DEVICE_ALERT_STATE_LIMIT, busSubjects, deviceKey, mqttTopic, type DeviceAlertState, type DeviceRef } from '@premonitor/contracts';
import { databaseDeadLetters, type Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { ConsumerPolicy, backoffDelayMs, settleWithin, type BackoffPolicy } from '@premonitor/resilience';
import { systemClock, type Clock, type TimerHandle } from '@premonitor/time';
import type { Kysely } from 'kysely';
import mqtt, { type MqttClient } from 'mqtt';

/** Settings of {@link AlertStatePublisher}. */
export interface AlertStatePublisherSettings {
  /** The core listener and a `fusion`-role account (mosquitto/add-core-user.sh NAME fusion). */
  readonly mqtt: { readonly url: string; readonly username?: string; readonly password?: string; readonly clientId: string; readonly protocolVersion?: 4 | 5 };
  /** Durable consumer of `pm.alerts.>`; replicas share it. */
  readonly durable: string;
  /** Most devices waiting for a publish; past it the oldest is dropped and every device is republished on the next flush. */
  readonly maxPending: number;
  /** Delay between reconnect attempts while the broker is away. */
  readonly reconnect: BackoffPolicy;
}

/** Collaborators of {@link AlertStatePublisher}. */
export interface AlertStatePublisherDependencies {
  readonly db: Kysely<Database>;
  readonly bus: Bus;
  readonly logger: Logger;
  /** `ts` of every state and the reconnect timers. Default: the real clock. */
  readonly clock?: Clock;
  /** Jitter of the reconnect backoff. Default: Math.random. */
  readonly random?: () => number;
}

const SEVERITY_ORDER = ['CRITICAL', 'WARNING', 'INFO'];

/**
 * Publishes every device's current alert state on `premonitor/v1/{site}/{device}/alert`,
 * retained, QoS 1, so SCADA, Node-RED and Home Assistant read alerts without webhooks.
 *
 * It listens to the `pm.alerts.*` transitions fusion emits, but only to learn which device
 * changed: the state published is read from the `alerts` table at publish time, so the latest
 * state wins per device and a burst of transitions is one publish. The bus message is acked
 * once the device is marked, so a broker outage never holds up alerting; while the broker is
 * away marks wait in a bounded set and the client reconnects with the platform backoff. On
 * every (re)connect every device that ever had an alert is republished: that covers marks
 * dropped from a full set, transitions missed while fusion was down, and a broker that lost
 * its retained messages (Aedes keeps them in memory).
 */
export class AlertStatePublisher {
  readonly #s: AlertStatePublisherSettings;
  readonly #d: AlertStatePublisherDependencies;
  readonly #clock: Clock;
  /** Devices whose state is to be published, oldest mark first. */
  readonly #pending = new Map<string, DeviceRef>();
  #resyncAll = true;
  #client: MqttClient | undefined;
  #subscription: Subscription | undefined;
  #flushing: Promise<void> | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #attempt = 0;
  #stopped = false;

  constructor(settings: AlertStatePublisherSettings, deps: AlertStatePublisherDependencies) {
    this.#s = settings;
    this.#d = deps;
    this.#clock = deps.clock ?? systemClock;
  }

  /** Readiness is not tied to the broker: alerting goes on without it. */
  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** Devices waiting for a publish (for tests and logs). */
  get pending(): number {
    return this.#pending.size;
  }

  async start(): Promise<void> {
    const { mqtt: m } = this.#s;
    // Reconnects are ours (backoff below), not mqtt.js's fixed period.
    const client = (this.#client = mqtt.connect(m.url, { clientId: m.clientId, username: m.username, password: m.password, protocolVersion: m.protocolVersion ?? 4, clean: true, reconnectPeriod: 0, connectTimeout: 10_000 }));
    client.on('connect', () => {
      this.#attempt = 0;
      this.#resyncAll = true;
      this.#d.logger.info({ url: m.url }, 'alert state publisher connected to the broker');
      this.#flush();
    });
    client.on('close', () => this.#scheduleReconnect());
    client.on('error', (err) => this.#d.logger.warn({ err: err.message }, 'alert state publisher: broker connection error'));
    const policy = new ConsumerPolicy({ consumer: this.#s.durable, deadLetters: databaseDeadLetters(this.#d.db), logger: this.#d.logger });
    this.#subscription = await this.#d.bus.consume(
      policy.spec({ stream: busSubjects.alerts.stream, durable: this.#s.durable, filterSubject: busSubjects.alerts.wildcard, deliverPolicy: 'new' }),
      policy.guard(async (message) => {
        const decoded = decodeEvent('alerts', message);
        if (!decoded.ok) {
          await policy.deadLetter(message, `invalid alert event: ${decoded.reason}`);
          return;
        }
        this.mark({ site: decoded.value.site, device: decoded.value.device });
        message.ack();
      }),
    );
  }

  /** Queues `ref` for a publish of its current state. */
  mark(ref: DeviceRef): void {
    const key = deviceKey(ref);
    this.#pending.delete(key);
    this.#pending.set(key, ref);
    if (this.#pending.size > this.#s.maxPending) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
      this.#resyncAll = true;
    }
    this.#flush();
  }

  async stop(drainTimeoutMs = 10_000): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer !== undefined) this.#clock.clearTimeout(this.#reconnectTimer);
    await this.#subscription?.stop();
    await settleWithin(this.#flushing ?? Promise.resolve(), drainTimeoutMs);
    const client = this.#client;
    this.#client = undefined;
    if (client && !(await settleWithin(client.endAsync(), drainTimeoutMs))) client.stream?.destroy();
  }

  /** One flush at a time; a mark during a flush is picked up by its loop. */
  #flush(): void {
    if (this.#flushing || this.#stopped || !this.connected) return;
    this.#flushing = this.#drain()
      .catch((err: unknown) => this.#d.logger.warn({ err: String(err), pending: this.#pending.size }, 'alert state publish failed; retried on reconnect or the next transition'))
      .finally(() => {
        this.#flushing = undefined;
      });
  }

  async #drain(): Promise<void> {
    if (this.#resyncAll) {
      this.#resyncAll = false;
      // `alerts.device_id` is the device key `{site}/{device}`.
      const devices = await this.#d.db.selectFrom('alerts').select('device_id').distinct().execute();
      for (const { device_id: key } of devices) {
        const [site, device] = key.split('/');
        if (site && device && !this.#pending.has(key)) this.#pending.set(key, { site, device });
      }
    }
    for (const [key, ref] of this.#pending) {
      const client = this.#client;
      if (!client?.connected || this.#stopped) return;
      const state = await this.#state(ref);
      // Removed before the publish: a mark that arrives meanwhile re-adds it, and a failed publish re-adds it below.
      this.#pending.delete(key);
      try {
        await client.publishAsync(mqttTopic.alert(ref), JSON.stringify(state), { qos: 1, retain: true });
      } catch (err) {
        if (!this.#pending.has(key)) this.#pending.set(key, ref);
        throw err;
      }
    }
  }

  /** The device's unresolved alerts, most severe and oldest first, as published. */
  async #state(ref: DeviceRef): Promise<DeviceAlertState> {
    const rows = await this.#d.db
      .selectFrom('alerts')
      .select(['id', 'rule', 'severity', 'status', 'first_seen', 'title', 'details'])
      .where('device_id', '=', deviceKey(ref))
      .where('status', '!=', 'resolved')
      .orderBy('first_seen')
      .orderBy('id')
      .execute();
    rows.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
    const alerts = rows.slice(0, DEVICE_ALERT_STATE_LIMIT).map((row) => ({
      id: String(row.id),
      rule: row.rule,
      severity: row.severity,
      status: row.status === 'acknowledged' ? ('acknowledged' as const) : ('open' as const),
      openedAt: new Date(row.first_seen).getTime(),
      message: messageOf(row.details, row.title),
    }));
    return { site: ref.site, device: ref.device, ts: Math.floor(this.#clock.now()), total: rows.length, alerts };
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnectTimer !== undefined) return;
    const delay = backoffDelayMs(++this.#attempt, this.#s.reconnect, this.#d.random ?? Math.random);
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#stopped && this.#client && !this.#client.connected) this.#client.reconnect();
    }, delay);
  }
}

/** The transition's message kept in `details`, else the alert's title; cut to the contract's 1,000 characters. */
function messageOf(details: unknown, title: string): string {
  const message = details && typeof details === 'object' && 'message' in details && typeof details.message === 'string' ? details.message : title;
  return message.slice(0, 1000);
}
