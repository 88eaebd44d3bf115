/**
 * Runs at most `limit` tasks at once; the rest wait in submission order. Fusion's clock-driven
 * work (a tick resolving a storm of alerts) goes through one, so it cannot take every database
 * connection and make newly raised alerts queue behind it.
 */
export class ConcurrencyLimit {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
