import type { WindowContract } from '../onnx/model-metadata.js';
import { DEFAULT_MAX_GAP_STEPS, StepResampler } from './step-resampler.js';
import { WindowRing } from './window-ring.js';

/** One window a telemetry graph reads: `[steps, channels]` raw readings, oldest row first, and the step it ends at. */
export interface TelemetryWindow {
  /** End of the window's last step (device time, ms), as telemetry-scoring stamps its scores. */
  readonly ts: number;
  readonly seq: number;
  readonly values: Float32Array;
}

/**
 * Telemetry messages → the windows of a telemetry model's `window` contract: the readings of its
 * channels resampled to its step by the {@link StepResampler} telemetry-scoring uses (short gaps
 * filled, late readings dropped), one window per step once `steps` complete rows follow each
 * other. A long gap, or a row missing a channel, starts the window over — as the service resets
 * its scorer — so a window never mixes two runs or a guessed value.
 */
export class TelemetryWindowFeed {
  readonly #resampler: StepResampler;
  readonly #ring: WindowRing;

  constructor(window: Pick<WindowContract, 'channels' | 'steps' | 'stepSeconds'>, maxGapSteps = DEFAULT_MAX_GAP_STEPS) {
    if (!(window.stepSeconds > 0) || !(Number.isInteger(window.steps) && window.steps >= 1) || window.channels.length === 0) {
      throw new RangeError(`a telemetry window needs a positive step, a whole number of steps and at least one channel; got ${window.stepSeconds} s, ${window.steps} steps, ${window.channels.length} channels`);
    }
    this.#resampler = new StepResampler(window.channels, { stepMs: Math.round(window.stepSeconds * 1000), maxGapSteps });
    this.#ring = new WindowRing(window.steps, window.channels.length);
  }

  /** Readings dropped for being older than the open step. */
  get late(): number {
    return this.#resampler.late;
  }

  /** Adds one message (readings of other keys are ignored); returns the windows it completed. */
  push(ts: number, seq: number, readings: Readonly<Record<string, number>>): TelemetryWindow[] {
    const out: TelemetryWindow[] = [];
    for (const step of this.#resampler.push(ts, seq, readings)) {
      if (step.type === 'gap' || step.values.some(Number.isNaN)) {
        this.#ring.reset();
        continue;
      }
      const values = this.#ring.push(step.values);
      if (values) out.push({ ts: step.ts, seq: step.seq, values });
    }
    return out;
  }
}
