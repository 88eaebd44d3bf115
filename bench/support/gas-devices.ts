import { connectAsync, type MqttClient } from 'mqtt';
import type { DeviceRef } from '@premonitor/contracts';
import type { BenchStack } from './bench-stack.js';

/**
 * Every gas reading the devices send is this plus the message's seq: above any gas threshold,
 * and the alert it opens carries it back as `peakScore`, which names the message that raised it.
 */
export const GAS_BASE_PPM = 1_000;

/** Identifies one device message across the pipeline: `site/device#seq`. */
export function messageKey(ref: DeviceRef, seq: number): string {
  return `${ref.site}/${ref.device}#${seq}`;
}

/** What one publishing run did. */
export interface GasRun {
  /** Messages handed to the broker. */
  readonly published: number;
  /** Waits for the run to end (after `stop()`, or when its seconds are up). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The bench's devices as real MQTT clients: each logs in with its own account (the broker's
 * ACL applies) and publishes QoS 1 telemetry `{ts, seq, readings: {gas_ppm}}` on its own topic,
 * one message per device per second, the devices spread evenly over the second — what a fleet
 * of gas sensors at 1 Hz sends, and what the Node-RED reference flow listens to.
 */
export class GasDevices {
  /** Last seq used; rounds never reuse one, so ingest never drops a message as a duplicate. */
  #seq = 0;

  private constructor(private readonly devices: readonly { readonly ref: DeviceRef; readonly client: MqttClient; readonly topic: string }[]) {}

  static async connect(stack: BenchStack): Promise<GasDevices> {
    const devices: { ref: DeviceRef; client: MqttClient; topic: string }[] = [];
    try {
      for (const d of stack.devices) {
        const client = await connectAsync(stack.device.url, { clientId: d.username, username: d.username, password: d.password, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
        devices.push({ ref: d.ref, client, topic: `premonitor/v1/${d.ref.site}/${d.ref.device}/telemetry` });
      }
    } catch (err) {
      await Promise.all(devices.map((d) => d.client.endAsync()));
      throw err;
    }
    return new GasDevices(devices);
  }

  /**
   * Publishes until `stop()` or `seconds` (if given). `onSend` gets each message's key and its
   * `performance.now()` just before the publish.
   */
  run(onSend: (key: string, at: number) => void, seconds = Number.POSITIVE_INFINITY): GasRun {
    let stopped = false;
    let published = 0;
    const spacing = 1000 / this.devices.length;
    const done = (async () => {
      const start = performance.now();
      for (let round = 0; !stopped && round < seconds; round++) {
        const seq = ++this.#seq;
        for (let i = 0; i < this.devices.length && !stopped; i++) {
          const wait = start + round * 1000 + i * spacing - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          const { ref, client, topic } = this.devices[i]!;
          onSend(messageKey(ref, seq), performance.now());
          published++;
          client.publish(topic, JSON.stringify({ ts: Date.now(), seq, readings: { gas_ppm: GAS_BASE_PPM + seq } }), { qos: 1 });
        }
      }
    })();
    return {
      get published() {
        return published;
      },
      done,
      stop: async () => {
        stopped = true;
        await done;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.client.endAsync()));
  }
}
