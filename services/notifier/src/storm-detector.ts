/**
 * Counts alert arrivals in a sliding window, per channel, to tell a storm (more than the
 * digest threshold within the window) from normal traffic.
 */
export class StormDetector {
  #arrivals: number[] = [];

  constructor(private readonly windowMs: number) {}

  record(nowMs: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#arrivals.push(nowMs);
    this.#prune(nowMs);
  }

  /** Arrivals within the last window. */
  count(nowMs: number): number {
    this.#prune(nowMs);
    return this.#arrivals.length;
  }

  #prune(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    let drop = 0;
    while (drop < this.#arrivals.length && this.#arrivals[drop]! <= cutoff) drop++;
    if (drop > 0) this.#arrivals.splice(0, drop);
  }
}
