import type { Clock } from '@premonitor/time';
import type { PublishResult, StreamLimits } from './bus.js';
import { MessageTooLargeError } from './errors.js';

/** One message as the in-process stream keeps it. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  /** The subject split once at publish, so filters match without re-splitting. */
  readonly tokens: readonly string[];
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly storedAt: number;
  readonly bytes: number;
}

/** Compact the backing array once this many discarded slots pile up at its head. */
const COMPACT_AFTER = 4_096;

/**
 * An in-memory JetStream stream with limits retention: sequence numbers from 1, oldest
 * messages discarded past `maxAgeMs` or `maxBytes`, and `msgId` deduplication within
 * `duplicateWindowMs`. Lookups by sequence are O(1); trimming is amortised O(1) per message.
 */
export class MemoryStream {
  readonly #limits: StreamLimits;
  readonly #clock: Clock;
  /** Messages with seq `#baseSeq + i` at index i; indices below `#head` are discarded. */
  #messages: StoredMessage[] = [];
  #baseSeq = 1;
  #head = 0;
  #lastSeq = 0;
  #bytes = 0;
  /** Insertion-ordered, so expiring the window only ever looks at the front. */
  readonly #recentIds = new Map<string, { readonly seq: number; readonly at: number }>();
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    limits: StreamLimits,
    clock: Clock,
  ) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Sequence of the oldest retained message; `lastSeq + 1` when the stream is empty. */
  get firstSeq(): number {
    return this.#baseSeq + this.#head;
  }

  /** Sequence of the newest message ever stored (0 before the first). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Stores a message, or reports the earlier copy when `msgId` was seen within the window.
   * `tokens` is the subject split on dots (routing computes it once per subject).
   */
  append(subject: string, tokens: readonly string[], data: Uint8Array, headers: Readonly<Record<string, string>>, msgId?: string): PublishResult {
    const now = this.#clock.now();
    if (msgId !== undefined) {
      this.#forgetIdsBefore(now - this.#limits.duplicateWindowMs);
      const seen = this.#recentIds.get(msgId);
      if (seen) return { seq: seen.seq, duplicate: true };
    }
    const bytes = subject.length + data.byteLength + headerBytes(headers);
    if (bytes > this.#limits.maxBytes) throw new MessageTooLargeError(subject, bytes, this.#limits.maxBytes);
    const seq = ++this.#lastSeq;
    // A copy: the caller may reuse its buffer once the publish resolves. (Buffer's own `slice`
    // would return a view, hence the prototype call.)
    const copy = Uint8Array.prototype.slice.call(data);
    this.#messages.push({ seq, subject, tokens, data: copy, headers, storedAt: now, bytes });
    this.#bytes += bytes;
    if (msgId !== undefined) this.#recentIds.set(msgId, { seq, at: now });
    while (this.#bytes > this.#limits.maxBytes) this.#discardOldest();
    this.expire();
    for (const listener of this.#listeners) listener();
    return { seq, duplicate: false };
  }

  /** The retained message with this sequence, or undefined once discarded (or never stored). */
  get(seq: number): StoredMessage | undefined {
    if (seq < this.firstSeq || seq > this.#lastSeq) return undefined;
    return this.#messages[seq - this.#baseSeq];
  }

  /** Discards messages older than `maxAgeMs`. Cheap when nothing is due: it looks at the head only. */
  expire(): void {
    const cutoff = this.#clock.now() - this.#limits.maxAgeMs;
    while (this.#head < this.#messages.length && this.#messages[this.#head].storedAt <= cutoff) this.#discardOldest();
  }

  /** Calls `listener` after each stored message; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #discardOldest(): void {
    const oldest = this.#messages[this.#head];
    this.#bytes -= oldest.bytes;
    this.#head++;
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#messages.length) {
      this.#messages = this.#messages.slice(this.#head);
      this.#baseSeq += this.#head;
      this.#head = 0;
    }
  }

  #forgetIdsBefore(cutoff: number): void {
    for (const [id, entry] of this.#recentIds) {
      if (entry.at > cutoff) return;
      this.#recentIds.delete(id);
    }
  }
}

function headerBytes(headers: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const key in headers) total += key.length + headers[key].length;
  return total;
}
