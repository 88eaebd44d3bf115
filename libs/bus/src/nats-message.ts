import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from '@premonitor/log';
import type { BusMessage } from './bus.js';

/**
 * A JetStream message seen through the bus interface. Only the first of `ack`/`nak`/`term`
 * counts, so the adapter can nak after a handler throws without undoing an earlier ack.
 */
export class NatsBusMessage implements BusMessage {
  readonly #msg: JsMsg;
  readonly #logger: Logger;
  #headers: Readonly<Record<string, string>> | undefined;
  #settled = false;

  constructor(msg: JsMsg, logger: Logger) {
    this.#msg = msg;
    this.#logger = logger;
  }

  get subject(): string {
    return this.#msg.subject;
  }

  get data(): Uint8Array {
    return this.#msg.data;
  }

  /** Header names as published; a repeated header yields its last value. */
  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === undefined) {
      const record: Record<string, string> = {};
      if (this.#msg.headers) {
        for (const [key, values] of this.#msg.headers) {
          if (values.length > 0) record[key] = values[values.length - 1];
        }
      }
      this.#headers = Object.freeze(record);
    }
    return this.#headers;
  }

  get deliveryCount(): number {
    return this.#msg.info.deliveryCount;
  }

  get seq(): number {
    return this.#msg.seq;
  }

  /** True once acked, nak'd or terminated. */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    if (this.#settle()) this.#msg.ack();
  }

  nak(delayMs?: number): void {
    if (this.#settle()) this.#msg.nak(delayMs !== undefined && delayMs > 0 ? delayMs : undefined);
  }

  term(reason?: string): void {
    if (!this.#settle()) return;
    // The reason is logged here, not sent: nats-server 2.9 does not recognise `+TERM <reason>`
    // and would leave the message pending, to be redelivered after ack_wait.
    this.#msg.term();
    this.#logger.warn({ subject: this.subject, seq: this.seq, reason }, 'message terminated');
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
