/**
 * Runs tasks one at a time per key, in submission order, and different keys in parallel.
 * Fusion uses the device as the key: its events, timer decisions and API transitions then
 * reach the database in the order they happened, without a global lock.
 */
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of `key`; resolves or rejects with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Runs `task` after every earlier task of every key in `keys`; later tasks of those keys wait for it. */
  runAll<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const previous = Promise.all(keys.map((k) => this.#tails.get(k)));
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    for (const key of keys) this.#tails.set(key, tail);
    void tail.then(() => {
      for (const key of keys) if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}
