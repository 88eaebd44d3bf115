import { encodeFrame, type TelemetryMessage } from '@premonitor/contracts';
import type { Logger } from '@premonitor/log';
import { every, type Cancel, type Clock } from '@premonitor/time';
import { DeviceLink, type DeviceLinkStats } from './device-link.js';
import { DEFAULT_ACOUSTIC_SHAPE, DEFAULT_THERMAL_SHAPE, synthesizeAcoustic, synthesizeThermal, type AcousticShape, type SimulatedMachine, type ThermalShape } from './frame-synth.js';
import { MachineModel, type MachineKind } from './machine-model.js';
import type { MqttConnector } from '../agent/mqtt-session.js';
import { deriveSeed, SeededRandom } from '@premonitor/ml/data';
import { EDGE_AGENT_VERSION } from '../agent/agent-version.js';

/** Options of {@link SimulatedDevice}. */
export interface SimulatedDeviceOptions {
  readonly mqttUrl: string;
  /** Site id, `[a-z0-9-]{1,64}`. */
  readonly site: string;
  /** Device id, `[a-z0-9-]{1,64}`; the MQTT client id is `${site}-${device}`. */
  readonly device: string;
  readonly username?: string;
  readonly password?: string;
  /** Which physical model drives the readings. Default `motor`. */
  readonly machine?: MachineKind;
  /** Period of telemetry messages, ms; also the model's time step. */
  readonly telemetryIntervalMs: number;
  /** Period of 1 s acoustic clips, ms; 0 or absent = off. */
  readonly acousticIntervalMs?: number;
  /** Period of thermal frames, ms; 0 or absent = off. */
  readonly thermalIntervalMs?: number;
  readonly acousticShape?: AcousticShape;
  readonly thermalShape?: ThermalShape;
  /** Seed of every random stream of this device (telemetry and each frame kind get their own). */
  readonly seed: number;
  /** First sequence number (uint32). Default 0. */
  readonly startSeq?: number;
  /**
   * Publish telemetry back to back, as fast as the broker acknowledges, instead of every
   * `telemetryIntervalMs` (for benchmarks). The in-flight window bounds memory.
   */
  readonly rate?: boolean;
  /** Most unacknowledged publishes at once. Default 256. */
  readonly maxInFlight?: number;
  /** Stop publishing (telemetry and frames) after this many telemetry messages. Default unbounded. */
  readonly maxMessages?: number;
  readonly agentVersion?: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly connector?: MqttConnector;
}

/** A snapshot of one simulated device. */
export interface SimulatedDeviceStats extends DeviceLinkStats {
  readonly device: string;
  readonly machine: MachineKind;
  /** Telemetry messages handed to the broker (acknowledged or not yet). */
  readonly telemetrySent: number;
  /** True once `maxMessages` telemetry messages were sent and all of them settled. */
  readonly finished: boolean;
}

/**
 * One simulated machine with its own MQTT connection: telemetry from a {@link MachineModel}
 * on a fixed period (or as fast as possible), and optional acoustic and thermal frames.
 */
export class SimulatedDevice {
  readonly site: string;
  readonly device: string;
  readonly machine: MachineKind;
  readonly #options: SimulatedDeviceOptions;
  readonly #link: DeviceLink;
  readonly #model: MachineModel;
  readonly #frames: SimulatedMachine;
  readonly #cancels: Cancel[] = [];
  readonly #pending = new Set<Promise<void>>();
  #telemetrySent = 0;
  #running = false;
  #finished = false;
  #resolveFinished!: () => void;
  readonly #finishedPromise = new Promise<void>((resolve) => (this.#resolveFinished = resolve));

  constructor(options: SimulatedDeviceOptions) {
    if (!(options.telemetryIntervalMs > 0)) throw new RangeError(`telemetryIntervalMs must be > 0, got ${options.telemetryIntervalMs}`);
    this.#options = options;
    this.site = options.site;
    this.device = options.device;
    this.machine = options.machine ?? 'motor';
    this.#model = new MachineModel({ kind: this.machine, random: new SeededRandom(deriveSeed(options.seed, 'telemetry')) });
    this.#frames = { kind: this.machine, seed: deriveSeed(options.seed, 'machine') };
    this.#link = new DeviceLink({ ...options, agentVersion: options.agentVersion ?? EDGE_AGENT_VERSION });
  }

  /** Connects (publishing the retained online status) and starts publishing. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#link.start();
    this.#running = true;
    const { clock } = this.#options;
    if (this.#options.rate) void this.#runFlat();
    else this.#cancels.push(every(clock, this.#options.telemetryIntervalMs, () => this.#sendTelemetry(), 0));
    const { acousticIntervalMs = 0, thermalIntervalMs = 0 } = this.#options;
    if (acousticIntervalMs > 0) this.#cancels.push(every(clock, acousticIntervalMs, () => this.#sendFrame('acoustic')));
    if (thermalIntervalMs > 0) this.#cancels.push(every(clock, thermalIntervalMs, () => this.#sendFrame('thermal')));
  }

  /** Stops publishing, waits for in-flight messages, publishes the offline status, disconnects. */
  async stop(): Promise<void> {
    this.#halt();
    await this.#link.stop();
  }

  /** Resolves once `maxMessages` telemetry messages were sent and settled; never, without `maxMessages`. */
  finished(): Promise<void> {
    return this.#finishedPromise;
  }

  stats(): SimulatedDeviceStats {
    return { ...this.#link.stats(), device: this.device, machine: this.machine, telemetrySent: this.#telemetrySent, finished: this.#finished };
  }

  async #runFlat(): Promise<void> {
    while (this.#running) {
      await this.#link.whenWritable();
      // A refused send means the link is closing; looping on would spin on microtasks.
      if (!this.#running || !this.#sendTelemetry()) break;
    }
  }

  #sendTelemetry(): boolean {
    if (!this.#running) return false;
    const step = this.#options.telemetryIntervalMs;
    const sent = this.#link.trySend('telemetry', (seq, ts) => {
      const message: TelemetryMessage = { ts, seq, readings: this.#model.step(step, ts) };
      return JSON.stringify(message);
    });
    if (!sent) return false;
    this.#telemetrySent++;
    this.#remember(sent);
    const max = this.#options.maxMessages;
    if (max !== undefined && this.#telemetrySent >= max) {
      this.#halt();
      void Promise.allSettled([...this.#pending]).then(() => {
        this.#finished = true;
        this.#resolveFinished();
      });
    }
    return true;
  }

  #sendFrame(kind: 'acoustic' | 'thermal'): void {
    if (!this.#running) return;
    const state = this.#model.state();
    const sent = this.#link.trySend(kind, (seq, ts) =>
      encodeFrame(
        kind === 'acoustic'
          ? synthesizeAcoustic(this.#frames, ts, seq, this.#options.acousticShape ?? DEFAULT_ACOUSTIC_SHAPE)
          : synthesizeThermal(this.#frames, state, ts, seq, this.#options.thermalShape ?? DEFAULT_THERMAL_SHAPE),
      ),
    );
    if (sent) this.#remember(sent);
  }

  #remember(sent: Promise<void>): void {
    this.#pending.add(sent);
    void sent.finally(() => this.#pending.delete(sent));
  }

  #halt(): void {
    this.#running = false;
    for (const cancel of this.#cancels.splice(0)) cancel();
  }
}
