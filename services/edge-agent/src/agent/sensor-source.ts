import { after, type Clock } from '@premonitor/time';

/** What a source produces; the agent adds the sequence number. */
export type SensorSample =
  | { readonly type: 'telemetry'; readonly ts: number; readonly readings: Readonly<Record<string, number>> }
  | { readonly type: 'acoustic'; readonly ts: number; readonly sampleRate: number; readonly samples: Int16Array }
  | { readonly type: 'thermal'; readonly ts: number; readonly width: number; readonly height: number; readonly celsius: Float32Array }
  /** A vibration window: `samples[i][c]` is sample i of `channels[c]` (the `vibrationWindowMessage` contract). */
  | { readonly type: 'vibration'; readonly ts: number; readonly sampleRateHz: number; readonly channels: readonly string[]; readonly samples: readonly (readonly number[])[] };

/** Where samples go; returns a promise so a slow consumer (scoring, disk) paces the source. */
export type SampleSink = (sample: SensorSample) => Promise<void>;

/**
 * One sensor input. `run` produces samples until `signal` aborts (resolve) or the input fails
 * (reject: a command exited, a file is unreadable); a source that runs out (a replay without
 * looping) resolves on its own.
 */
export interface SensorSource {
  readonly name: string;
  run(sink: SampleSink, signal: AbortSignal): Promise<void>;
}

/** Waits `ms` on `clock`, or less if `signal` aborts first. */
export function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = after(clock, ms, done);
    signal.addEventListener('abort', done, { once: true });
  });
}
