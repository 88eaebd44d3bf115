/**
 * Teardown steps, run last-registered first, each once, whatever failed before — so a bench
 * that dies half-way still stops its broker, drops its database and removes its temp dirs.
 */
export class Cleanup {
  readonly #steps: Array<{ name: string; run: () => Promise<unknown> | unknown }> = [];
  #running: Promise<void> | undefined;

  /** Registers a step; returns nothing so call sites stay one line. */
  add(name: string, run: () => Promise<unknown> | unknown): void {
    this.#steps.push({ name, run });
  }

  /** Runs every step (each bounded by `stepTimeoutMs`); errors are reported, not thrown. */
  run(stepTimeoutMs = 20_000): Promise<void> {
    this.#running ??= (async () => {
      while (this.#steps.length > 0) {
        const step = this.#steps.pop()!;
        try {
          await Promise.race([
            Promise.resolve().then(step.run),
            new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs).unref()),
          ]);
        } catch (err) {
          console.error(`cleanup: ${step.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return this.#running;
  }
}
