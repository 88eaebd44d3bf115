/**
 * What a child process printed, bounded: the first `headBytes` (start-up, which explains most
 * failures) and the last `tailBytes` (what it did just before the end), with a marker between.
 */
export class BoundedLog {
  #head = '';
  #tail = '';
  #dropped = 0;

  constructor(
    private readonly headBytes = 100_000,
    private readonly tailBytes = 100_000,
  ) {}

  append(chunk: string): void {
    if (this.#head.length < this.headBytes) {
      const room = this.headBytes - this.#head.length;
      this.#head += chunk.slice(0, room);
      chunk = chunk.slice(room);
      if (!chunk) return;
    }
    this.#tail += chunk;
    if (this.#tail.length > this.tailBytes * 2) {
      this.#dropped += this.#tail.length - this.tailBytes;
      this.#tail = this.#tail.slice(-this.tailBytes);
    }
  }

  /** The whole kept text. */
  get text(): string {
    if (this.#dropped === 0) return this.#head + this.#tail;
    return `${this.#head}\n[… ${this.#dropped} characters left out …]\n${this.#tail.slice(-this.tailBytes)}`;
  }

  /** The last `n` characters, for error messages. */
  last(n = 4_000): string {
    const text = this.text;
    return text.length > n ? `…${text.slice(-n)}` : text;
  }
}
