import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { deviceClientId, encodeFrame, mqttTopic, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import { MACHINE_TYPES, generateAcousticClip, generateThermalFrame, toInt16Pcm } from '@premonitor/ml/data';

/** Gas readings are this plus the message's seq: above any gas threshold, and the alert they open names the reading (its peak). */
export const GAS_BASE_PPM = 1_000;

/** How many devices of each kind, and how often they send. */
export interface FleetPlan {
  readonly site: string;
  /** Devices sending scalar telemetry (3 readings per message). */
  readonly telemetryDevices: number;
  readonly telemetryPerSecond: number;
  /** Devices sending `gas_ppm` above the threshold once a second: each reading can open an alert. */
  readonly gasDevices: number;
  /** Devices sending a 1 s, 16 kHz clip every `acousticEveryMs`. */
  readonly acousticDevices: number;
  readonly acousticEveryMs: number;
  /** Devices sending a 32×24 thermal frame every `thermalEveryMs`. */
  readonly thermalDevices: number;
  readonly thermalEveryMs: number;
}

/** What a device sends on. */
export type FleetChannel = 'telemetry' | 'gas' | FrameKind;

/** One message a device published. */
export interface SentMessage {
  readonly device: string;
  readonly channel: FleetChannel;
  readonly seq: number;
  readonly ts: number;
  /** Readings in the message (telemetry and gas). */
  readonly readings: number;
  /** True once the broker PUBACKed it. */
  acked: boolean;
}

interface FleetDevice {
  readonly ref: DeviceRef;
  readonly username: string;
  readonly password: string;
  readonly channel: FleetChannel;
  readonly periodMs: number;
  /** Frame template (frames only): re-encoded with each message's ts and seq. */
  readonly template?: Int16Array | Float32Array;
  client?: MqttClient;
  seq: number;
  nextAt: number;
  disconnects: number;
}

/** Disconnect and reconnect counts, for the notes. */
export interface FleetLinkStats {
  readonly disconnects: number;
  readonly errors: number;
}

/**
 * The devices of a steady-load case: real MQTT clients (mqtt.js, QoS 1, one account per
 * device so the broker's ACL applies) publishing on a fixed schedule with per-device seq
 * numbers, reconnecting by themselves and re-sending what the broker has not acknowledged —
 * what a well-behaved edge agent does across a broker restart. Every message is recorded, and
 * marked once PUBACKed: `sent` in the results is what the broker took responsibility for.
 */
export class SteadyFleet {
  readonly messages: SentMessage[] = [];
  readonly #devices: FleetDevice[];
  #timer: NodeJS.Timeout | undefined;
  #errors = 0;

  constructor(readonly plan: FleetPlan) {
    const devices: FleetDevice[] = [];
    const add = (prefix: string, count: number, channel: FleetChannel, periodMs: number) => {
      for (let i = 1; i <= count; i++) {
        const ref = { site: plan.site, device: `${prefix}-${String(i).padStart(2, '0')}` };
        devices.push({ ref, username: `${ref.site}/${ref.device}`, password: randomBytes(12).toString('hex'), channel, periodMs, template: frameTemplate(channel, i), seq: 0, nextAt: 0, disconnects: 0 });
      }
    };
    add('tele', plan.telemetryDevices, 'telemetry', 1000 / plan.telemetryPerSecond);
    add('gas', plan.gasDevices, 'gas', 1000);
    add('mic', plan.acousticDevices, 'acoustic', plan.acousticEveryMs);
    add('cam', plan.thermalDevices, 'thermal', plan.thermalEveryMs);
    this.#devices = devices;
  }

  /** username → password of every device, for the broker's password file. */
  accounts(): Map<string, string> {
    return new Map(this.#devices.map((d) => [d.username, d.password]));
  }

  /** Connects every device (`url` is the broker's device listener). */
  async connect(url: string): Promise<void> {
    await Promise.all(
      this.#devices.map(async (d) => {
        const client = await connectAsync(url, {
          clientId: deviceClientId(d.ref),
          username: d.username,
          password: d.password,
          protocolVersion: 4,
          clean: true,
          reconnectPeriod: 500,
          connectTimeout: 5_000,
          keepalive: 15,
        });
        client.on('close', () => d.disconnects++);
        client.on('error', () => this.#errors++);
        d.client = client;
      }),
    );
  }

  /** Starts publishing on schedule (each device starts at a random offset within its period). */
  start(): void {
    const now = Date.now();
    for (const d of this.#devices) d.nextAt = now + Math.random() * d.periodMs;
    this.#timer = setInterval(() => this.#tick(), 20);
  }

  /** Stops publishing (what was published keeps being re-sent until acknowledged). */
  stopPublishing(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Every device of `channel` sends `perDevice` extra messages at once, on top of the schedule:
   * a backlog, so a service killed right after is killed in the middle of a batch.
   */
  burst(channel: FleetChannel, perDevice: number): void {
    const now = Date.now();
    for (const d of this.#devices) {
      if (d.channel !== channel) continue;
      for (let i = 0; i < perDevice; i++) this.#publish(d, now + i);
    }
  }

  /** Waits until every published message is acknowledged, or `timeoutMs`; returns how many are not. */
  async settle(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.unacked() === 0) return 0;
      await new Promise((r) => setTimeout(r, 200));
    }
    return this.unacked();
  }

  unacked(): number {
    let n = 0;
    for (const m of this.messages) if (!m.acked) n++;
    return n;
  }

  /** Acknowledged messages of the given channels. */
  acked(...channels: FleetChannel[]): SentMessage[] {
    return this.messages.filter((m) => m.acked && channels.includes(m.channel));
  }

  /** Times one device lost its connection so far. */
  disconnectsOf(device: string): number {
    return this.#devices.find((d) => d.ref.device === device)?.disconnects ?? 0;
  }

  get linkStats(): FleetLinkStats {
    return { disconnects: this.#devices.reduce((n, d) => n + d.disconnects, 0), errors: this.#errors };
  }

  /** Disconnects every device (forcefully after 2 s). */
  async close(): Promise<void> {
    this.stopPublishing();
    await Promise.all(this.#devices.map((d) => d.client?.endAsync(true).catch(() => undefined)));
  }

  #tick(): void {
    const now = Date.now();
    for (const d of this.#devices) {
      // A late tick catches up message by message, so the rate holds on a busy machine.
      while (d.nextAt <= now) {
        d.nextAt += d.periodMs;
        this.#publish(d, now);
      }
    }
  }

  #publish(d: FleetDevice, ts: number): void {
    const client = d.client;
    if (!client) return;
    const seq = ++d.seq;
    let topic: string;
    let payload: Buffer;
    let readings = 0;
    switch (d.channel) {
      case 'telemetry':
        readings = 3;
        topic = mqttTopic.telemetry(d.ref);
        payload = Buffer.from(JSON.stringify({ ts, seq, readings: { temperature: 40 + (seq % 10) / 10, vibration_rms: 0.2 + (seq % 7) / 100, current: 12.5 } }));
        break;
      case 'gas':
        readings = 1;
        topic = mqttTopic.telemetry(d.ref);
        payload = Buffer.from(JSON.stringify({ ts, seq, readings: { gas_ppm: GAS_BASE_PPM + seq } }));
        break;
      case 'acoustic':
        topic = mqttTopic.frame(d.ref, 'acoustic');
        payload = Buffer.from(encodeFrame({ kind: 'acoustic', ts, seq, sampleRate: 16_000, samples: d.template as Int16Array }));
        break;
      case 'thermal':
        topic = mqttTopic.frame(d.ref, 'thermal');
        payload = Buffer.from(encodeFrame({ kind: 'thermal', ts, seq, width: 32, height: 24, celsius: d.template as Float32Array }));
        break;
    }
    const message: SentMessage = { device: d.ref.device, channel: d.channel, seq, ts, readings, acked: false };
    this.messages.push(message);
    client.publish(topic, payload, { qos: 1 }, (err) => {
      if (!err) message.acked = true;
    });
  }
}

/** One recording per device, from the generators the shipped models were trained on (healthy machines). */
function frameTemplate(channel: FleetChannel, index: number): Int16Array | Float32Array | undefined {
  if (channel === 'acoustic') {
    const machineType = MACHINE_TYPES[index % MACHINE_TYPES.length]!;
    return toInt16Pcm(generateAcousticClip({ machineType, instanceId: index, seed: 11, clipIndex: 0, seconds: 1, sampleRate: 16_000, snrDb: 6 }));
  }
  if (channel === 'thermal') return generateThermalFrame({ width: 32, height: 24, instanceId: index, seed: 11, t: 0, episode: 0, load: 0.5 });
  return undefined;
}
