const UINT32_SPAN = 0x1_0000_0000;

/**
 * The per-device sequence number shared by every message kind a device sends (telemetry and
 * frames), so the core can deduplicate and count gaps. It is a uint32 on the wire and wraps
 * from 4294967295 to 0.
 */
export class SequenceCounter {
  #next: number;

  /** @param start the first number handed out (0–4294967295). */
  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0 || start >= UINT32_SPAN) {
      throw new RangeError(`sequence start must be an integer in 0–4294967295, got ${start}`);
    }
    this.#next = start;
  }

  /** Returns the current number and advances. */
  next(): number {
    const value = this.#next;
    this.#next = (value + 1) % UINT32_SPAN;
    return value;
  }

  /** The number the next call to {@link next} will return. */
  peek(): number {
    return this.#next;
  }
}
