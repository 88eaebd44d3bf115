/**
 * The last `steps` rows of a stream, handed out as one window `[steps, channels]` (oldest row
 * first) once that many rows followed the last {@link WindowRing.reset}. The edge's
 * `TelemetryWindowFeed` and telemetry-scoring's graph path build their windows with it, so both
 * feed a telemetry graph the same rows.
 */
export class WindowRing {
  readonly steps: number;
  readonly channels: number;
  readonly #ring: Float32Array;
  #filled = 0;
  #next = 0;

  constructor(steps: number, channels: number) {
    this.steps = steps;
    this.channels = channels;
    this.#ring = new Float32Array(steps * channels);
  }

  /** Forgets the rows (after a gap): the next window comes `steps` rows later. */
  reset(): void {
    this.#filled = 0;
    this.#next = 0;
  }

  /**
   * Adds one row — `values` itself, or its `columns` in that order — and returns a new window
   * once `steps` rows are in.
   */
  push(values: ArrayLike<number>, columns?: readonly number[]): Float32Array | undefined {
    const c = this.channels;
    const at = this.#next * c;
    for (let k = 0; k < c; k++) this.#ring[at + k] = values[columns ? columns[k]! : k]!;
    this.#next = (this.#next + 1) % this.steps;
    if (this.#filled < this.steps) this.#filled++;
    if (this.#filled < this.steps) return undefined;
    const window = new Float32Array(this.#ring.length);
    const split = this.#next * c;
    window.set(this.#ring.subarray(split), 0);
    window.set(this.#ring.subarray(0, split), this.#ring.length - split);
    return window;
  }
}
