import { isValidId } from '@premonitor/contracts';
import { createLogger, type Logger } from '@premonitor/log';
import { systemClock, type Clock } from '@premonitor/time';
import type { KindCounts, MessageKind } from './device-link.js';
import { MACHINE_KINDS, type MachineKind } from './machine-model.js';
import type { MqttConnector } from '../agent/mqtt-session.js';
import { deriveSeed } from '@premonitor/ml/data';
import { SimulatedDevice, type SimulatedDeviceStats } from './simulated-device.js';
import type { AcousticShape, ThermalShape } from './frame-synth.js';

/** Options of {@link Simulator}. */
export interface SimulatorOptions {
  readonly mqttUrl: string;
  /** Site id, `[a-z0-9-]{1,64}`. */
  readonly site: string;
  /** Number of devices, named `${devicePrefix}-001`, `-002`, … */
  readonly deviceCount: number;
  /** Prefix of device ids. Default `sim`. */
  readonly devicePrefix?: string;
  /** Shared MQTT credentials, used unless `credentialsFor` is given. */
  readonly username?: string;
  readonly password?: string;
  /** Per-device credentials (a broker with one account per device). */
  readonly credentialsFor?: (device: string) => { readonly username: string; readonly password: string };
  /** Machine model of each device; default cycles through motor, pump, compressor, fan. */
  readonly machineFor?: (device: string, index: number) => MachineKind;
  readonly telemetryIntervalMs: number;
  /** 0 or absent = no acoustic frames. */
  readonly acousticIntervalMs?: number;
  /** 0 or absent = no thermal frames. */
  readonly thermalIntervalMs?: number;
  readonly acousticShape?: AcousticShape;
  readonly thermalShape?: ThermalShape;
  /** Base seed; each device derives its own streams from it and its id. Default 1. */
  readonly seed?: number;
  /** First sequence number of every device. Default 0. */
  readonly startSeq?: number;
  /** Telemetry as fast as the broker acknowledges (benchmarks); see {@link SimulatedDeviceOptions.rate}. */
  readonly rate?: boolean;
  /** Most unacknowledged publishes per device. Default 256. */
  readonly maxInFlight?: number;
  /** Telemetry messages per device before it stops publishing (total = deviceCount × maxMessages). */
  readonly maxMessages?: number;
  readonly agentVersion?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly connector?: MqttConnector;
}

/** Totals over every device, plus each device's own figures. */
export interface SimulatorStats {
  readonly site: string;
  readonly devices: number;
  readonly connected: number;
  readonly byKind: Readonly<Record<MessageKind, Readonly<KindCounts>>>;
  readonly perDevice: readonly SimulatedDeviceStats[];
}

/**
 * N simulated devices of one site. The embedded platform creates one in-process; the
 * edge-agent's `main.ts` runs one as its own process.
 */
export class Simulator {
  readonly devices: readonly SimulatedDevice[];
  readonly #site: string;
  #started = false;

  constructor(options: SimulatorOptions) {
    const prefix = options.devicePrefix ?? 'sim';
    if (!isValidId(options.site)) throw new RangeError(`site '${options.site}' must match [a-z0-9-]{1,64}`);
    if (!Number.isInteger(options.deviceCount) || options.deviceCount < 0) {
      throw new RangeError(`deviceCount must be a non-negative integer, got ${options.deviceCount}`);
    }
    this.#site = options.site;
    const clock = options.clock ?? systemClock;
    const logger = (options.logger ?? createLogger({ service: 'edge-agent', level: 'silent' })).child({ component: 'simulator' });
    const width = Math.max(3, String(options.deviceCount).length);
    this.devices = Array.from({ length: options.deviceCount }, (_, i) => {
      const device = `${prefix}-${String(i + 1).padStart(width, '0')}`;
      if (!isValidId(device)) throw new RangeError(`device id '${device}' must match [a-z0-9-]{1,64}; check devicePrefix`);
      const credentials = options.credentialsFor?.(device) ?? { username: options.username, password: options.password };
      return new SimulatedDevice({
        ...options,
        ...credentials,
        device,
        machine: options.machineFor?.(device, i) ?? MACHINE_KINDS[i % MACHINE_KINDS.length],
        seed: deriveSeed(options.seed ?? 1, device),
        clock,
        logger,
      });
    });
  }

  /** Connects every device; if one fails, the ones already connected are stopped and the error is thrown. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const results = await Promise.allSettled(this.devices.map((d) => d.start()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await this.stop();
      throw failure.reason;
    }
  }

  /** Stops every device: in-flight messages settle, offline statuses go out, clients disconnect. */
  async stop(): Promise<void> {
    this.#started = false;
    await Promise.allSettled(this.devices.map((d) => d.stop()));
  }

  /** Resolves once every device has sent and settled its `maxMessages` telemetry messages. */
  async finished(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.finished()));
  }

  stats(): SimulatorStats {
    const perDevice = this.devices.map((d) => d.stats());
    const byKind: Record<MessageKind, KindCounts> = {
      telemetry: { published: 0, failed: 0, dropped: 0 },
      acoustic: { published: 0, failed: 0, dropped: 0 },
      thermal: { published: 0, failed: 0, dropped: 0 },
      status: { published: 0, failed: 0, dropped: 0 },
    };
    for (const s of perDevice) {
      for (const kind of Object.keys(byKind) as MessageKind[]) {
        byKind[kind].published += s.byKind[kind].published;
        byKind[kind].failed += s.byKind[kind].failed;
        byKind[kind].dropped += s.byKind[kind].dropped;
      }
    }
    return { site: this.#site, devices: perDevice.length, connected: perDevice.filter((s) => s.connected).length, byKind, perDevice };
  }
}
