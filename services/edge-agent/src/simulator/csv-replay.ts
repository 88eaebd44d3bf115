import type { TelemetryMessage } from '@premonitor/contracts';
import { createLogger, type Logger } from '@premonitor/log';
import { after, systemClock, type Cancel, type Clock } from '@premonitor/time';
import { readCsvSeries, type CsvSkip } from '../agent/csv-series.js';
import { DeviceLink, type DeviceLinkStats } from './device-link.js';
import type { MqttConnector } from '../agent/mqtt-session.js';
import { EDGE_AGENT_VERSION } from '../agent/agent-version.js';

/**
 * How replayed messages are stamped:
 * - `shift` (default): original gaps kept, the whole series moved so that no message is
 *   stamped later than the moment it is sent and the last one is stamped about when it is
 *   sent — "the series ends near now". At speedup 1 that is a live replay; at speedup 0 the
 *   series ends at the start time.
 * - `original`: the timestamps from the file (ingest may reject them as too old).
 * - `now`: the device clock at the moment each row is sent.
 */
export type ReplayTimestamps = 'shift' | 'original' | 'now';

/** Options of {@link CsvReplay}. */
export interface CsvReplayOptions {
  /** CSV file: header line, first column the timestamp, other columns readings. */
  readonly path: string;
  readonly mqttUrl: string;
  readonly site: string;
  /** The one device all rows are published as. */
  readonly device: string;
  readonly username?: string;
  readonly password?: string;
  /** Row gaps are divided by this; 0 or Infinity = as fast as the broker acknowledges. Default 1. */
  readonly speedup?: number;
  readonly timestamps?: ReplayTimestamps;
  /** Replay at most this many usable rows. */
  readonly maxRows?: number;
  /**
   * Columns to leave out, by raw or sanitised name. Default none: label columns such as
   * SKAB's `anomaly` and `changepoint` are published as readings, so the ground truth lands
   * next to the sensor values for evaluating detectors.
   */
  readonly skipColumns?: readonly string[];
  readonly startSeq?: number;
  readonly maxInFlight?: number;
  readonly agentVersion?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly connector?: MqttConnector;
}

/** Progress of a replay. */
export interface CsvReplayStats extends DeviceLinkStats {
  /** Rows handed to the broker. */
  readonly rowsSent: number;
  /** Rows left out (non-numeric value, bad timestamp, wrong field count). */
  readonly rowsSkipped: number;
  readonly done: boolean;
}

const LOGGED_SKIPS = 10;

/**
 * Replays a CSV time series as the telemetry of one device, row by row, paced by the
 * original timestamps divided by `speedup`. Rows are never dropped: when the broker is slow
 * the replay waits (bounded in-flight window).
 */
export class CsvReplay {
  readonly #options: CsvReplayOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #link: DeviceLink;
  #rowsSent = 0;
  #rowsSkipped = 0;
  #done = false;
  #stopping = false;
  #cancelSleep: Cancel = () => {};
  #wakeSleep: () => void = () => {};
  #run: Promise<CsvReplayStats> | undefined;

  constructor(options: CsvReplayOptions) {
    const speedup = options.speedup ?? 1;
    if (!(speedup >= 0)) throw new RangeError(`speedup must be ≥ 0 (0 = as fast as possible), got ${speedup}`);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? createLogger({ service: 'edge-agent', level: 'silent' })).child({ component: 'csv-replay', path: options.path });
    this.#link = new DeviceLink({ ...options, clock: this.#clock, logger: this.#log, agentVersion: options.agentVersion ?? EDGE_AGENT_VERSION });
  }

  /** Reads the file's time span (when shifting), connects, and starts replaying in the background. */
  async start(): Promise<void> {
    if (this.#run) return;
    const offset = await this.#timestampOffset();
    await this.#link.start();
    this.#run = this.#replay(offset);
    // finished() reports failures; this keeps an unobserved one from crashing the process.
    this.#run.catch(() => {});
  }

  /** Resolves with the final stats once every row was sent and settled; rejects if the file could not be read. */
  finished(): Promise<CsvReplayStats> {
    if (!this.#run) return Promise.reject(new Error('CsvReplay.finished() called before start()'));
    return this.#run;
  }

  /** Stops replaying, lets in-flight rows settle, publishes the offline status, disconnects. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#cancelSleep();
    this.#wakeSleep();
    await this.#run?.catch(() => {});
    await this.#link.stop();
  }

  stats(): CsvReplayStats {
    return { ...this.#link.stats(), rowsSent: this.#rowsSent, rowsSkipped: this.#rowsSkipped, done: this.#done };
  }

  get #asFastAsPossible(): boolean {
    const s = this.#options.speedup ?? 1;
    return s === 0 || s === Infinity;
  }

  /** Milliseconds added to a row's own timestamp; `undefined` unless timestamps are shifted. */
  async #timestampOffset(): Promise<number | undefined> {
    if ((this.#options.timestamps ?? 'shift') !== 'shift') return undefined;
    let first: number | undefined;
    let last: number | undefined;
    // A streamed first pass: knowing where the series ends costs one read, not memory.
    for await (const row of readCsvSeries(this.#options.path, this.#options)) {
      first ??= row.ts;
      last = row.ts;
    }
    if (first === undefined || last === undefined) return 0;
    const span = Math.max(0, last - first);
    const replaySpan = this.#asFastAsPossible ? 0 : span / (this.#options.speedup ?? 1);
    // Speedup ≥ 1: the last row is stamped when it is sent. Slower than real time: the first
    // row is, so that no row is ever stamped in the future.
    return this.#clock.now() - first + Math.min(0, replaySpan - span);
  }

  async #replay(offset: number | undefined): Promise<CsvReplayStats> {
    const speedup = this.#options.speedup ?? 1;
    const mode = this.#options.timestamps ?? 'shift';
    const started = this.#clock.now();
    let first: number | undefined;
    const onSkip = (skip: CsvSkip) => {
      this.#rowsSkipped++;
      if (this.#rowsSkipped <= LOGGED_SKIPS) this.#log.warn({ line: skip.line }, `skipping row: ${skip.reason}`);
      if (this.#rowsSkipped === LOGGED_SKIPS) this.#log.warn('further skipped rows are counted, not logged');
    };
    const pending = new Set<Promise<void>>();
    for await (const row of readCsvSeries(this.#options.path, { ...this.#options, onSkip })) {
      if (this.#stopping) break;
      first ??= row.ts;
      if (!this.#asFastAsPossible) await this.#sleep(started + (row.ts - first) / speedup - this.#clock.now());
      await this.#link.whenWritable();
      if (this.#stopping) break;
      const publish = this.#link.trySend('telemetry', (seq, now) => {
        const ts = mode === 'now' ? now : Math.max(0, Math.round(row.ts + (offset ?? 0)));
        const message: TelemetryMessage = { ts, seq, readings: row.readings };
        return JSON.stringify(message);
      });
      if (!publish) break;
      this.#rowsSent++;
      pending.add(publish);
      void publish.then(() => pending.delete(publish));
    }
    await Promise.all(pending);
    this.#done = true;
    this.#log.info({ rowsSent: this.#rowsSent, rowsSkipped: this.#rowsSkipped }, 'replay finished');
    return this.stats();
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wakeSleep = resolve;
      this.#cancelSleep = after(this.#clock, ms, resolve);
    });
  }
}
