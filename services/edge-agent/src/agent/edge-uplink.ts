import { deviceClientId, mqttTopic, type DeviceRef, type StatusMessage } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { connectMqtt, type MqttConnector, type MqttSession } from './mqtt-session.js';

/** Options of {@link EdgeUplink}. */
export interface EdgeUplinkOptions {
  readonly mqttUrl: string;
  readonly ref: DeviceRef;
  readonly username?: string;
  readonly password?: string;
  /** Filters subscribed after every connection (the device's model and command topics). */
  readonly subscriptions: readonly string[];
  /** Pause between reconnection attempts, ms. Default 2 000. */
  readonly reconnectPeriodMs?: number;
  readonly logger: Logger;
  readonly connector?: MqttConnector;
}

/** What the uplink tells the agent. */
export interface UplinkListener {
  onConnect?(): void;
  onDisconnect?(): void;
  onMessage?(topic: string, payload: Uint8Array): void;
}

// CONNACK codes after which retrying cannot help: MQTT 3.1.1 (4, 5) and MQTT 5 (134, 135).
const AUTH_FAILURES = new Set([4, 5, 134, 135]);

/**
 * The agent's MQTT connection. Unlike the simulator's `DeviceLink`, starting never waits for
 * the broker: a Pi boots without network as often as with it, and everything it produces
 * meanwhile goes to the disk queue. Last will = retained `offline` status.
 */
export class EdgeUplink {
  readonly #o: EdgeUplinkOptions;
  readonly #listeners: UplinkListener[] = [];
  #session: MqttSession | undefined;
  #connected = false;
  #lastError: string | undefined;

  constructor(options: EdgeUplinkOptions) {
    this.#o = options;
  }

  /** Registers callbacks; call before `start()`. */
  listen(listener: UplinkListener): void {
    this.#listeners.push(listener);
  }

  /** Opens the session in the background (reconnecting for ever). */
  start(): void {
    if (this.#session) return;
    const { ref } = this.#o;
    const offline: StatusMessage = { state: 'offline' };
    this.#session = (this.#o.connector ?? connectMqtt)(
      {
        url: this.#o.mqttUrl,
        clientId: deviceClientId(ref),
        username: this.#o.username,
        password: this.#o.password,
        will: { topic: mqttTopic.status(ref), payload: JSON.stringify(offline), retain: true },
        connectTimeoutMs: 10_000,
        reconnectPeriodMs: this.#o.reconnectPeriodMs ?? 2_000,
        subscriptions: this.#o.subscriptions,
      },
      {
        onConnect: () => {
          this.#connected = true;
          this.#o.logger.info('broker connected');
          for (const l of this.#listeners) l.onConnect?.();
        },
        onDisconnect: () => {
          if (!this.#connected) return;
          this.#connected = false;
          this.#o.logger.warn('broker connection lost; queueing to disk');
          for (const l of this.#listeners) l.onDisconnect?.();
        },
        onError: (err) => {
          const code = (err as { code?: unknown }).code;
          this.#lastError = typeof code === 'number' && AUTH_FAILURES.has(code) ? `the broker refused the credentials (CONNACK ${code}); check MQTT_USERNAME and MQTT_PASSWORD` : err.message;
          this.#o.logger.warn({ err: this.#lastError }, 'mqtt error');
        },
        onMessage: (topic, payload) => {
          for (const l of this.#listeners) l.onMessage?.(topic, payload);
        },
      },
    );
  }

  /** True between a CONNACK and the next lost connection. */
  get connected(): boolean {
    return this.#connected && (this.#session?.connected ?? false);
  }

  /** The last connection error, for status and logs. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** QoS 1 publish; resolves on PUBACK. Rejects at once when not connected (the caller queues instead). */
  publish(topic: string, payload: string | Uint8Array, retain = false): Promise<void> {
    if (!this.#session || !this.connected) return Promise.reject(new Error('not connected'));
    return this.#session.publish(topic, payload, retain);
  }

  /** Publishes the retained status (skipped while disconnected: the next connection sends a fresh one). */
  async publishStatus(status: StatusMessage): Promise<void> {
    if (!this.connected) return;
    await this.publish(mqttTopic.status(this.#o.ref), JSON.stringify(status), true).catch((err: unknown) =>
      this.#o.logger.warn({ err: String(err) }, 'status publish failed'),
    );
  }

  /** Publishes `offline` (when connected) and disconnects cleanly. */
  async stop(timeoutMs = 3_000): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    const wasConnected = this.#connected;
    this.#connected = false;
    if (wasConnected && session.connected) {
      const offline: StatusMessage = { state: 'offline' };
      await Promise.race([session.publish(mqttTopic.status(this.#o.ref), JSON.stringify(offline), true).catch(() => {}), delay(timeoutMs)]);
    }
    await Promise.race([session.end(false).catch(() => {}), delay(timeoutMs)]);
    await session.end(true).catch(() => {});
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
