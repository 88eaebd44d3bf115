import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { INGEST_SUBSCRIPTIONS } from '@premonitor/contracts';

export interface CeilingSubscriberOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  readonly protocolVersion: 4 | 5;
  readonly receiveMaximum: number;
}

/**
 * The broker-only ceiling: a plain mqtt.js subscriber on ingest's telemetry subscription, with
 * ingest's session settings (QoS 1, persistent session, same Receive Maximum), that only
 * counts. Whatever the pipeline reaches is judged against what this reaches in the same run.
 */
export class CeilingSubscriber {
  received = 0;
  firstAt = 0;
  lastAt = 0;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: CeilingSubscriberOptions,
  ) {
    client.on('message', () => {
      const now = Date.now();
      if (this.received++ === 0) this.firstAt = now;
      this.lastAt = now;
    });
  }

  static async start(options: CeilingSubscriberOptions): Promise<CeilingSubscriber> {
    const client = await connectAsync(options.url, clientOptions(options, false));
    const subscriber = new CeilingSubscriber(client, options);
    // The telemetry filter only: the same messages ingest would take from the bench's devices.
    await client.subscribeAsync(INGEST_SUBSCRIPTIONS[0], { qos: 1 });
    return subscriber;
  }

  /** Disconnects and discards the persistent session, so the broker stops queueing for it. */
  async stop(): Promise<void> {
    await this.client.endAsync();
    const wipe = await connectAsync(this.options.url, clientOptions(this.options, true));
    await wipe.endAsync();
  }
}

function clientOptions(o: CeilingSubscriberOptions, clean: boolean): IClientOptions {
  return {
    clientId: o.clientId,
    username: o.username,
    password: o.password,
    protocolVersion: o.protocolVersion,
    clean,
    properties: o.protocolVersion === 5 ? { sessionExpiryInterval: clean ? 0 : 3600, receiveMaximum: o.receiveMaximum } : undefined,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
}
