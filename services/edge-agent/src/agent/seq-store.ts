import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';

const UINT32_SPAN = 0x1_0000_0000;

/**
 * The device's sequence number, persisted so a restarted agent never reuses numbers the core
 * has already seen (it deduplicates frames and alerts by device + seq). Numbers are reserved
 * in blocks: the file holds the first number not yet handed out *plus a block*, written
 * before any number of that block is used, so a crash skips at most one block (a gap the
 * core counts) but never repeats a number.
 */
export class SeqStore {
  readonly #path: string;
  readonly #block: number;
  #next: number;
  #reservedUntil: number;
  #saving: Promise<void> = Promise.resolve();

  private constructor(path: string, start: number, block: number) {
    this.#path = path;
    this.#block = block;
    this.#next = start;
    this.#reservedUntil = start;
  }

  /** Opens the counter stored at `path` (starting at 0 when the file does not exist). */
  static async open(path: string, block = 1_000): Promise<SeqStore> {
    let start = 0;
    try {
      const saved = Number((await readFile(path, 'utf8')).trim());
      if (Number.isInteger(saved) && saved >= 0) start = saved % UINT32_SPAN;
    } catch {
      // First start.
    }
    const store = new SeqStore(path, start, block);
    await store.#reserve();
    return store;
  }

  /**
   * Returns the next number and advances. Synchronous: the next block is reserved in the
   * background when half of the current one is used, well before it runs out.
   */
  next(): number {
    const value = this.#next;
    this.#next = (value + 1) % UINT32_SPAN;
    if (distance(this.#next, this.#reservedUntil) < this.#block / 2) this.#reserve().catch(() => {});
    return value;
  }

  /** The number the next call to {@link next} returns. */
  peek(): number {
    return this.#next;
  }

  /** Waits for pending reservations (on shutdown). */
  flush(): Promise<void> {
    return this.#saving;
  }

  #reserve(): Promise<void> {
    const until = (this.#next + this.#block) % UINT32_SPAN;
    this.#reservedUntil = until;
    // A failed write is retried by the next reservation; flush() reports the last outcome.
    this.#saving = this.#saving.catch(() => {}).then(() => writeFileAtomic(this.#path, String(until)));
    return this.#saving;
  }
}

function distance(from: number, to: number): number {
  return (to - from + UINT32_SPAN) % UINT32_SPAN;
}
