import type { MqttConnector, MqttSessionEvents, MqttSessionOptions } from '../agent/mqtt-session.js';

/** A message a {@link FakeMqtt} session published. */
export interface FakePublish {
  readonly clientId: string;
  readonly topic: string;
  readonly payload: string | Uint8Array;
  readonly retain: boolean;
}

/**
 * An in-memory {@link MqttConnector} for specs: connects at once (or never), records every
 * publish, and acknowledges them at once or only when `ackAll()` is called.
 */
export class FakeMqtt {
  readonly published: FakePublish[] = [];
  readonly sessions: MqttSessionOptions[] = [];
  readonly ended: { clientId: string; force: boolean }[] = [];
  /** When false, publishes stay unacknowledged until {@link ackAll}. */
  autoAck = true;
  /** When false, sessions never connect. */
  accept = true;
  #unacked: Array<() => void> = [];
  readonly #events: MqttSessionEvents[] = [];

  readonly connector: MqttConnector = (options: MqttSessionOptions, events: MqttSessionEvents) => {
    this.sessions.push(options);
    this.#events.push(events);
    let connected = false;
    if (this.accept) {
      queueMicrotask(() => {
        connected = true;
        events.onConnect();
      });
    }
    return {
      get connected() {
        return connected;
      },
      publish: (topic, payload, retain) => {
        this.published.push({ clientId: options.clientId, topic, payload, retain });
        if (this.autoAck) return Promise.resolve();
        return new Promise<void>((resolve) => this.#unacked.push(resolve));
      },
      end: async (force) => {
        connected = false;
        this.ended.push({ clientId: options.clientId, force });
      },
    };
  };

  /** Acknowledges every outstanding publish. */
  ackAll(): void {
    for (const ack of this.#unacked.splice(0)) ack();
  }

  /** Delivers a message to every session, as the broker would for a subscribed topic. */
  deliver(topic: string, payload: string | Uint8Array, retained = false): void {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    for (const events of this.#events) events.onMessage?.(topic, bytes, retained);
  }

  /** Parsed JSON payloads published on topics ending with `suffix`. */
  json<T = unknown>(suffix: string): T[] {
    return this.published.filter((p) => p.topic.endsWith(suffix)).map((p) => JSON.parse(String(p.payload)) as T);
  }
}
