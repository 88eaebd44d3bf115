import mqtt from 'mqtt';

/** What a device connection needs to open an MQTT session. */
export interface MqttSessionOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Last will: published by the broker if the session drops without a clean disconnect. */
  readonly will: { readonly topic: string; readonly payload: string; readonly retain: boolean };
  /** How long one connection attempt may take, ms. */
  readonly connectTimeoutMs: number;
  /** Pause between reconnection attempts, ms. */
  readonly reconnectPeriodMs: number;
  /** Topic filters subscribed (QoS 1) after every connection; the session is clean, so each reconnect needs them again. */
  readonly subscriptions?: readonly string[];
}

/** Callbacks for the session's lifecycle. */
export interface MqttSessionEvents {
  /** Each successful (re)connection. */
  onConnect(): void;
  /** The connection dropped; the session reconnects on its own. */
  onDisconnect(): void;
  onError(err: Error): void;
  /** A message on one of `subscriptions` (model announcements, commands). */
  onMessage?(topic: string, payload: Uint8Array, retained: boolean): void;
}

/**
 * The slice of an MQTT client the edge agent uses: QoS 1 publishes that resolve when the
 * broker acknowledged them, and a clean end. Coding against this rather than mqtt.js's
 * client keeps specs free of a broker and leaves room for another transport.
 */
export interface MqttSession {
  readonly connected: boolean;
  /** Publishes at QoS 1; resolves on PUBACK, rejects if the message can no longer be delivered. */
  publish(topic: string, payload: string | Uint8Array, retain: boolean): Promise<void>;
  /** Disconnects cleanly (no last will). `force` drops unacknowledged messages. */
  end(force: boolean): Promise<void>;
}

/** Opens a session; returns at once and reports progress through `events`. */
export type MqttConnector = (options: MqttSessionOptions, events: MqttSessionEvents) => MqttSession;

/** How the real connector reaches the broker. */
export interface MqttTransportOptions {
  /** PEM CA certificate(s) to verify an `mqtts://` broker with (a private CA, e.g. mosquitto/make-dev-certs.sh); default the system's. */
  readonly ca?: string | Buffer;
}

/** The real connector, over mqtt.js v5 (MQTT 3.1.1, clean session, automatic reconnect). */
export function mqttConnector(transport: MqttTransportOptions = {}): MqttConnector {
  return (options, events) => connect(options, events, transport);
}

/** The real connector with the system's CAs. */
export const connectMqtt: MqttConnector = mqttConnector();

function connect(options: MqttSessionOptions, events: MqttSessionEvents, transport: MqttTransportOptions): MqttSession {
  const client = mqtt.connect(options.url, {
    ...(transport.ca === undefined ? {} : { ca: transport.ca }),
    clientId: options.clientId,
    username: options.username,
    password: options.password,
    clean: true,
    connectTimeout: options.connectTimeoutMs,
    reconnectPeriod: options.reconnectPeriodMs,
    will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: 1, retain: options.will.retain },
  });
  client.on('connect', () => {
    events.onConnect();
    if (options.subscriptions?.length) {
      client.subscribeAsync([...options.subscriptions], { qos: 1 }).catch((err: unknown) => events.onError(err instanceof Error ? err : new Error(String(err))));
    }
  });
  client.on('message', (topic, payload, packet) => events.onMessage?.(topic, new Uint8Array(payload), packet.retain));
  client.on('close', () => events.onDisconnect());
  client.on('error', (err) => events.onError(err));
  return {
    get connected() {
      return client.connected;
    },
    async publish(topic, payload, retain) {
      const body = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      await client.publishAsync(topic, body, { qos: 1, retain });
    },
    end: (force) => client.endAsync(force),
  };
}
