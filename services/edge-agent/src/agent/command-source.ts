import { spawn } from 'node:child_process';
import type { Clock } from '@premonitor/time';
import type { SampleSink, SensorSample, SensorSource } from './sensor-source.js';

/** Options of {@link CommandSource}. */
export interface CommandSourceOptions {
  readonly name: string;
  /** Program and arguments, e.g. `arecord` `-q -t raw -f S16_LE -r 16000 -c 1`. Run without a shell. */
  readonly command: string;
  readonly args: readonly string[];
  /** `acoustic`: stdout is s16le mono PCM; `thermal`: stdout is float32le frames of width×height °C. */
  readonly kind: 'acoustic' | 'thermal';
  /** Acoustic sample rate, Hz. Default 16 000. */
  readonly sampleRate?: number;
  /** Acoustic frame length, s. Default 1. */
  readonly frameSeconds?: number;
  readonly width?: number;
  readonly height?: number;
  readonly clock: Clock;
}

const STDERR_TAIL = 500;

/**
 * Reads a process's stdout and cuts it into frames (a USB microphone through `arecord`, a
 * thermal camera tool writing raw float32 frames). The process exiting — or failing to
 * start — fails the source with its exit status and the tail of its stderr, so the
 * supervisor reports it and restarts it with backoff. Memory: one frame being filled.
 * While the sink is busy, stdout is paused, so a slow consumer back-pressures the process
 * instead of growing a buffer.
 */
export class CommandSource implements SensorSource {
  readonly name: string;
  readonly #o: CommandSourceOptions;
  readonly #frameBytes: number;

  constructor(options: CommandSourceOptions) {
    this.name = options.name;
    this.#o = options;
    const rate = options.sampleRate ?? 16_000;
    this.#frameBytes = options.kind === 'acoustic' ? Math.round(rate * (options.frameSeconds ?? 1)) * 2 : (options.width ?? 32) * (options.height ?? 24) * 4;
    if (!(this.#frameBytes > 0)) throw new RangeError(`source ${options.name}: frame size must be > 0`);
  }

  run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const child = spawn(this.#o.command, [...this.#o.args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const frame = Buffer.alloc(this.#frameBytes);
      let filled = 0;
      let stderr = '';
      let failure: Error | undefined;
      const onAbort = () => child.kill('SIGTERM');
      signal.addEventListener('abort', onAbort, { once: true });
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
      child.on('error', (err) => (failure = new Error(`cannot run '${this.#o.command}': ${err.message}`, { cause: err })));
      child.stdout.on('data', (chunk: Buffer) => {
        let at = 0;
        while (at < chunk.length) {
          const n = Math.min(chunk.length - at, this.#frameBytes - filled);
          chunk.copy(frame, filled, at, at + n);
          filled += n;
          at += n;
          if (filled === this.#frameBytes) {
            filled = 0;
            const sample = this.#decode(frame);
            child.stdout.pause();
            sink(sample).then(
              () => child.stdout.resume(),
              (err: unknown) => {
                failure = err instanceof Error ? err : new Error(String(err));
                child.kill('SIGTERM');
              },
            );
          }
        }
      });
      child.on('close', (code, sig) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return resolve();
        const tail = stderr.trim() ? `: ${stderr.trim()}` : '';
        reject(failure ?? new Error(`'${this.#o.command}' exited with ${code !== null ? `code ${code}` : `signal ${sig}`}${tail}`));
      });
    });
  }

  #decode(bytes: Buffer): SensorSample {
    const ts = this.#o.clock.now();
    // Copies: the frame buffer is reused for the next frame while this one is scored and queued.
    if (this.#o.kind === 'acoustic') {
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      return { type: 'acoustic', ts, sampleRate: this.#o.sampleRate ?? 16_000, samples };
    }
    const celsius = new Float32Array(bytes.length / 4);
    for (let i = 0; i < celsius.length; i++) celsius[i] = bytes.readFloatLE(i * 4);
    return { type: 'thermal', ts, width: this.#o.width ?? 32, height: this.#o.height ?? 24, celsius };
  }
}
