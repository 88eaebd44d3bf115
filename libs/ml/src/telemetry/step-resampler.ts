/** What the resampler makes of a device's readings: rows on a fixed step, or a break in them. */
export type ResampledRow =
  /** One step: the value of each key (`NaN` = no value within the gap limit), at the step's end (device time, ms). */
  | { readonly type: 'row'; readonly ts: number; readonly seq: number; readonly values: Float64Array }
  /** More steps without data than the gap limit: windows spanning it would mix two different runs. */
  | { readonly type: 'gap'; readonly steps: number };

/** Empty steps filled with the last value by default (telemetry-scoring's `TELEMETRY_MAX_GAP_STEPS`; the edge agent's too). */
export const DEFAULT_MAX_GAP_STEPS = 5;

/** Settings of a {@link StepResampler}. */
export interface StepResamplerOptions {
  /** Step, ms. */
  readonly stepMs: number;
  /** Longest run of empty steps filled with the last value; a longer one is a gap. */
  readonly maxGapSteps: number;
}

/**
 * One device's readings on a fixed step, as forecasting resamples a sensor (telemetry-scoring
 * and the edge agent resample with this one class, so both build the same rows): each step holds the
 * last value of each key received in it; a key silent for at most `maxGapSteps` steps keeps its
 * last value (a short gap filled), longer it becomes NaN; a step is emitted once a reading of a
 * later step arrives. Readings older than the open step (late or out of order) are not scored —
 * ingest has stored them — and are counted.
 */
export class StepResampler {
  readonly #o: StepResamplerOptions;
  readonly #keys: readonly string[];
  readonly #index: ReadonlyMap<string, number>;
  /** Last value per key and the step it was received in. */
  readonly #last: Float64Array;
  readonly #lastStep: Float64Array;
  #open: number | undefined;
  #openSeq = 0;
  #late = 0;

  constructor(keys: readonly string[], options: StepResamplerOptions) {
    this.#o = options;
    this.#keys = keys;
    this.#index = new Map(keys.map((k, i) => [k, i]));
    this.#last = new Float64Array(keys.length).fill(Number.NaN);
    this.#lastStep = new Float64Array(keys.length).fill(Number.NEGATIVE_INFINITY);
  }

  get keys(): readonly string[] {
    return this.#keys;
  }

  get stepMs(): number {
    return this.#o.stepMs;
  }

  /** Readings dropped for being older than the open step. */
  get late(): number {
    return this.#late;
  }

  /** Adds one message; returns the steps it closed (rows and gaps, in time order). */
  push(ts: number, seq: number, readings: Readonly<Record<string, number>>): ResampledRow[] {
    const step = Math.floor(ts / this.#o.stepMs);
    const out: ResampledRow[] = [];
    if (this.#open !== undefined && step < this.#open) {
      this.#late++;
      return out;
    }
    if (this.#open !== undefined && step > this.#open) {
      out.push(this.#row(this.#open));
      const empty = step - this.#open - 1;
      if (empty > this.#o.maxGapSteps) out.push({ type: 'gap', steps: empty });
      else for (let s = this.#open + 1; s < step; s++) out.push(this.#row(s));
    }
    this.#open = step;
    this.#openSeq = seq;
    for (const [key, value] of Object.entries(readings)) {
      const i = this.#index.get(key);
      if (i === undefined) continue;
      this.#last[i] = value;
      this.#lastStep[i] = step;
    }
    return out;
  }

  #row(step: number): ResampledRow {
    const values = new Float64Array(this.#keys.length);
    for (let i = 0; i < values.length; i++) values[i] = step - this.#lastStep[i]! <= this.#o.maxGapSteps ? this.#last[i]! : Number.NaN;
    return { type: 'row', ts: (step + 1) * this.#o.stepMs - 1, seq: this.#openSeq, values };
  }
}
