import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseThermalMatrix, readWav, resample } from '@premonitor/ml/data';
import type { Clock } from '@premonitor/time';
import { readCsvSeries } from './csv-series.js';
import { pause, type SampleSink, type SensorSource } from './sensor-source.js';

/** Options shared by the file replay sources. */
export interface FileReplayOptions {
  readonly name: string;
  /** A folder (WAV, thermal frames) or a file (CSV telemetry). */
  readonly path: string;
  /** Pause between samples, ms (CSV: between rows). */
  readonly intervalMs: number;
  /** Start over at the end instead of stopping. */
  readonly loop: boolean;
  readonly clock: Clock;
}

const SAMPLE_RATE = 16_000;

/** Files of a folder with one of `extensions`, sorted by name; an empty folder is an error worth reporting. */
async function listFiles(dir: string, extensions: readonly string[]): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => extensions.includes(extname(n).toLowerCase())).sort();
  if (names.length === 0) throw new Error(`no ${extensions.join('/')} files in ${dir}`);
  return names.map((n) => join(dir, n));
}

/**
 * Replays a folder of WAV recordings as 1 s acoustic frames at 16 kHz (mixed to mono,
 * resampled when needed; a remainder shorter than 1 s is left out). An unreadable file
 * fails the source (reported, retried) rather than being skipped silently.
 */
export class WavFolderSource implements SensorSource {
  readonly name: string;
  constructor(readonly options: FileReplayOptions) {
    this.name = options.name;
  }

  async run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    const { clock, intervalMs } = this.options;
    do {
      for (const file of await listFiles(this.options.path, ['.wav'])) {
        const wav = readWav(new Uint8Array(await readFile(file)));
        const mono = wav.sampleRate === SAMPLE_RATE ? wav.samples : resample(wav.samples, wav.sampleRate, SAMPLE_RATE);
        for (let at = 0; at + SAMPLE_RATE <= mono.length && !signal.aborted; at += SAMPLE_RATE) {
          const samples = Int16Array.from(mono.subarray(at, at + SAMPLE_RATE), (v) => Math.max(-32_768, Math.min(32_767, Math.round(v * 32_768))));
          await sink({ type: 'acoustic', ts: clock.now(), sampleRate: SAMPLE_RATE, samples });
          await pause(clock, intervalMs, signal);
        }
        if (signal.aborted) return;
      }
    } while (this.options.loop && !signal.aborted);
  }
}

/** Replays a folder of thermal frames, one `.csv` or `.json` matrix (°C) per file. */
export class ThermalFolderSource implements SensorSource {
  readonly name: string;
  constructor(readonly options: FileReplayOptions) {
    this.name = options.name;
  }

  async run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    const { clock, intervalMs } = this.options;
    do {
      for (const file of await listFiles(this.options.path, ['.csv', '.json'])) {
        if (signal.aborted) return;
        const m = parseThermalMatrix(await readFile(file, 'utf8'), { format: extname(file).toLowerCase() === '.json' ? 'json' : 'csv' });
        await sink({ type: 'thermal', ts: clock.now(), width: m.width, height: m.height, celsius: m.celsius });
        await pause(clock, intervalMs, signal);
      }
    } while (this.options.loop && !signal.aborted);
  }
}

/**
 * Replays a CSV of telemetry (see `readCsvSeries`), one row every `intervalMs`, stamped with
 * the device clock: the file's own timestamps are usually far older than ingest accepts.
 */
export class CsvTelemetrySource implements SensorSource {
  readonly name: string;
  constructor(readonly options: FileReplayOptions) {
    this.name = options.name;
  }

  async run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    const { clock, intervalMs } = this.options;
    do {
      let rows = 0;
      for await (const row of readCsvSeries(this.options.path)) {
        if (signal.aborted) return;
        await sink({ type: 'telemetry', ts: clock.now(), readings: row.readings });
        rows++;
        await pause(clock, intervalMs, signal);
      }
      if (rows === 0) throw new Error(`no usable rows in ${this.options.path}`);
    } while (this.options.loop && !signal.aborted);
  }
}

/** Options of {@link VibrationFolderSource}: what the window files hold. */
export interface VibrationReplayOptions extends FileReplayOptions {
  /** Column names of the files, in order (e.g. x, y, z). */
  readonly channels: readonly string[];
  readonly sampleRateHz: number;
}

/**
 * Replays a folder of vibration windows, one `.csv` per window (one line per sample, one
 * column per channel, no header: the vibration-fan format), sorted by name. A cell that is not
 * a number travels as such: the window contract refuses it, locally and at the core (dead letter).
 */
export class VibrationFolderSource implements SensorSource {
  readonly name: string;
  constructor(readonly options: VibrationReplayOptions) {
    this.name = options.name;
  }

  async run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    const { clock, intervalMs, channels, sampleRateHz } = this.options;
    do {
      for (const file of await listFiles(this.options.path, ['.csv'])) {
        if (signal.aborted) return;
        const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
        await sink({ type: 'vibration', ts: clock.now(), sampleRateHz, channels, samples: lines.map((l) => l.split(',').map(Number)) });
        await pause(clock, intervalMs, signal);
      }
    } while (this.options.loop && !signal.aborted);
  }
}
