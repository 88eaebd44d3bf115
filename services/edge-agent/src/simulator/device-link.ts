import { deviceClientId, mqttTopic, type DeviceRef, type StatusMessage } from '@premonitor/contracts';
import { maskUrl, type Logger } from '@premonitor/log';
import { after, type Clock } from '@premonitor/time';
import { connectMqtt, type MqttConnector, type MqttSession } from '../agent/mqtt-session.js';
import { SequenceCounter } from './sequence-counter.js';

/** Message kinds a device publishes; `status` is the retained online/offline message. */
export type MessageKind = 'telemetry' | 'acoustic' | 'thermal' | 'status';
/** The kinds that carry a sequence number. */
export type SequencedKind = Exclude<MessageKind, 'status'>;

/** Per-kind outcome counters. */
export interface KindCounts {
  /** Acknowledged by the broker (QoS 1 PUBACK). */
  published: number;
  /** Handed to the client but never acknowledged (connection ended, client error). */
  failed: number;
  /** Not sent because the in-flight window was full (the broker is slow or away). */
  dropped: number;
}

/** A snapshot of one device connection. */
export interface DeviceLinkStats {
  readonly connected: boolean;
  /** The sequence number the next message will carry. */
  readonly nextSeq: number;
  readonly inFlight: number;
  readonly byKind: Readonly<Record<MessageKind, Readonly<KindCounts>>>;
}

/** Options of {@link DeviceLink}. */
export interface DeviceLinkOptions {
  readonly mqttUrl: string;
  readonly site: string;
  readonly device: string;
  readonly username?: string;
  readonly password?: string;
  /** Reported in the retained online status. */
  readonly agentVersion: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** First sequence number (uint32); defaults to 0. */
  readonly startSeq?: number;
  /** Most unacknowledged publishes at once; bounds memory when the broker is slow. Default 256. */
  readonly maxInFlight?: number;
  /** How long `start()` waits for the first connection, ms. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /** How long `stop()` waits for in-flight acks and the offline status, ms. Default 5 000. */
  readonly stopTimeoutMs?: number;
  /** Opens the MQTT session; defaults to mqtt.js. */
  readonly connector?: MqttConnector;
}

// CONNACK codes after which retrying cannot help: MQTT 3.1.1 (4, 5) and MQTT 5 (134, 135).
const AUTH_FAILURES = new Set([4, 5, 134, 135]);

/**
 * One device's MQTT connection: last will and retained online/offline status, the
 * per-device sequence number shared by every message kind, a bounded window of
 * unacknowledged QoS 1 publishes, and counters per kind.
 */
export class DeviceLink {
  readonly ref: DeviceRef;
  readonly #options: DeviceLinkOptions;
  readonly #log: Logger;
  readonly #seq: SequenceCounter;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #counts: Record<MessageKind, KindCounts>;
  #waiters: Array<() => void> = [];
  #session: MqttSession | undefined;
  #stopping = false;

  constructor(options: DeviceLinkOptions) {
    this.#options = options;
    this.ref = { site: options.site, device: options.device };
    this.#log = options.logger.child({ site: options.site, device: options.device });
    this.#seq = new SequenceCounter(options.startSeq ?? 0);
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 256);
    const zero = (): KindCounts => ({ published: 0, failed: 0, dropped: 0 });
    this.#counts = { telemetry: zero(), acoustic: zero(), thermal: zero(), status: zero() };
  }

  /** Connects; resolves on the first CONNACK, rejects if none arrives in time or credentials are refused. */
  start(): Promise<void> {
    if (this.#session) return Promise.resolve();
    const { clock } = this.#options;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let lastError: Error | undefined;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        cancelTimeout();
        const session = this.#session;
        this.#session = undefined;
        void session?.end(true).catch(() => {});
        reject(new Error(`device ${this.ref.site}/${this.ref.device} could not connect to ${maskUrl(this.#options.mqttUrl)}: ${reason} (check MQTT_URL, MQTT_USERNAME and MQTT_PASSWORD)`, { cause: lastError }));
      };
      const cancelTimeout = after(clock, timeoutMs, () => fail(`no connection within ${timeoutMs} ms${lastError ? `, last error: ${lastError.message}` : ''}`));
      const status: StatusMessage = { state: 'offline' };
      this.#session = (this.#options.connector ?? connectMqtt)(
        {
          url: this.#options.mqttUrl,
          clientId: deviceClientId(this.ref),
          username: this.#options.username,
          password: this.#options.password,
          will: { topic: mqttTopic.status(this.ref), payload: JSON.stringify(status), retain: true },
          connectTimeoutMs: Math.min(timeoutMs, 30_000),
          reconnectPeriodMs: 1_000,
        },
        {
          onConnect: () => {
            this.#log.info('connected');
            if (!settled) {
              settled = true;
              cancelTimeout();
              resolve();
            }
            if (!this.#stopping) void this.#publishStatus('online');
          },
          onDisconnect: () => {
            if (!this.#stopping && settled) this.#log.warn('disconnected; reconnecting');
          },
          onError: (err) => {
            lastError = err;
            const code = (err as { code?: unknown }).code;
            if (typeof code === 'number' && AUTH_FAILURES.has(code)) fail(`the broker refused the credentials (CONNACK ${code})`);
            else if (settled) this.#log.warn({ err: err.message }, 'mqtt error');
          },
        },
      );
    });
  }

  /** True while a publish would fit in the in-flight window. */
  get writable(): boolean {
    return this.#inFlight.size < this.#maxInFlight;
  }

  /** Resolves once a publish fits in the in-flight window (back-pressure for as-fast-as-possible senders). */
  whenWritable(): Promise<void> {
    if (this.writable || this.#stopping) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Takes the next sequence number, builds the payload with it and the device clock's time,
   * and publishes it on the kind's topic. Returns a promise that settles (never rejects) when
   * the broker acknowledged it or it failed, or `undefined` when the window was full and the
   * message was dropped without using a sequence number.
   */
  trySend(kind: SequencedKind, build: (seq: number, now: number) => string | Uint8Array): Promise<void> | undefined {
    if (!this.#session || this.#stopping || !this.writable) {
      this.#counts[kind].dropped++;
      return undefined;
    }
    const payload = build(this.#seq.next(), this.#options.clock.now());
    const topic = kind === 'telemetry' ? mqttTopic.telemetry(this.ref) : mqttTopic.frame(this.ref, kind);
    return this.#track(kind, this.#session.publish(topic, payload, false));
  }

  /** Publishes the offline status, waits (bounded) for in-flight acks, and disconnects cleanly. */
  async stop(): Promise<void> {
    const session = this.#session;
    if (!session || this.#stopping) return;
    this.#stopping = true;
    for (const wake of this.#waiters.splice(0)) wake();
    const timeoutMs = this.#options.stopTimeoutMs ?? 5_000;
    const drained = await this.#within(timeoutMs, Promise.allSettled([...this.#inFlight]).then(() => undefined));
    const offline = session.connected ? await this.#within(timeoutMs, this.#publishStatus('offline')) : false;
    // Forcing drops what the broker never acknowledged; only do it when waiting did not help.
    await session.end(!(drained && offline)).catch((err: unknown) => this.#log.warn({ err: String(err) }, 'mqtt end failed'));
    this.#session = undefined;
    this.#log.info({ drained, offline }, 'stopped');
  }

  /** Counters and connection state. */
  stats(): DeviceLinkStats {
    const copy = (k: MessageKind) => ({ ...this.#counts[k] });
    return {
      connected: this.#session?.connected ?? false,
      nextSeq: this.#seq.peek(),
      inFlight: this.#inFlight.size,
      byKind: { telemetry: copy('telemetry'), acoustic: copy('acoustic'), thermal: copy('thermal'), status: copy('status') },
    };
  }

  #publishStatus(state: StatusMessage['state']): Promise<void> {
    if (!this.#session) return Promise.resolve();
    const status: StatusMessage = { state, ts: this.#options.clock.now(), agentVersion: this.#options.agentVersion };
    return this.#track('status', this.#session.publish(mqttTopic.status(this.ref), JSON.stringify(status), true));
  }

  #track(kind: MessageKind, publish: Promise<void>): Promise<void> {
    const counts = this.#counts[kind];
    const done: Promise<void> = publish.then(
      () => {
        counts.published++;
      },
      (err: unknown) => {
        counts.failed++;
        this.#log.warn({ kind, err: String(err) }, 'publish failed');
      },
    );
    const tracked = done.finally(() => {
      this.#inFlight.delete(tracked);
      // One freed slot wakes one waiter, so waiters never overshoot the window.
      if (this.writable) this.#waiters.shift()?.();
    });
    this.#inFlight.add(tracked);
    return tracked;
  }

  #within(ms: number, work: Promise<void>): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = after(this.#options.clock, ms, () => resolve(false));
      void work.then(() => {
        cancel();
        resolve(true);
      });
    });
  }
}
