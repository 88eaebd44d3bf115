import type { BusMessage } from './bus.js';
import type { StoredMessage } from './memory-stream.js';

/** What a delivered message reports its outcome to. */
export interface DeliveryOutcomes {
  ack(seq: number): void;
  nak(seq: number, deliveryCount: number, delayMs: number): void;
  term(seq: number, reason: string | undefined): void;
}

/**
 * One delivery of a stored message. Only the first of `ack`/`nak`/`term` counts, as with
 * JetStream's own message objects, so a handler that acks and then throws is not nak'd.
 */
export class MemoryMessage implements BusMessage {
  readonly subject: string;
  /** The stored bytes themselves, not a copy: handlers must treat payloads as read-only. */
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly seq: number;
  readonly #outcomes: DeliveryOutcomes;
  #settled = false;

  constructor(
    outcomes: DeliveryOutcomes,
    stored: StoredMessage,
    readonly deliveryCount: number,
  ) {
    this.#outcomes = outcomes;
    this.subject = stored.subject;
    this.data = stored.data;
    this.headers = stored.headers;
    this.seq = stored.seq;
  }

  /** True once acked, nak'd or terminated. */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    if (this.#settle()) this.#outcomes.ack(this.seq);
  }

  nak(delayMs = 0): void {
    if (this.#settle()) this.#outcomes.nak(this.seq, this.deliveryCount, delayMs);
  }

  term(reason?: string): void {
    if (this.#settle()) this.#outcomes.term(this.seq, reason);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
