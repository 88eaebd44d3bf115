import type { ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from '@premonitor/log';
import type { MessageHandler, Subscription } from './bus.js';
import { NatsBusMessage } from './nats-message.js';

/** Consumer notifications worth a warning; the rest (heartbeats, pull requests) are routine. */
const WARN_ON = new Set(['consumer_deleted', 'consumer_not_found', 'stream_not_found', 'heartbeats_missed', 'no_responders']);

/**
 * One running `consume()` of a durable pull consumer. Messages are handed to the handler one at
 * a time, in stream order; the handler may ack later. A handler that throws causes a nak.
 */
export class NatsSubscription implements Subscription {
  readonly #messages: ConsumerMessages;
  readonly #handler: MessageHandler;
  readonly #logger: Logger;
  readonly #done: Promise<void>;
  #stopping = false;

  constructor(messages: ConsumerMessages, handler: MessageHandler, logger: Logger) {
    this.#messages = messages;
    this.#handler = handler;
    this.#logger = logger;
    this.#done = this.#run();
    void this.#watch();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#messages.close();
    await this.#done;
  }

  async #run(): Promise<void> {
    try {
      for await (const msg of this.#messages) {
        // Already fetched but not yet handled: hand back now rather than after ack_wait,
        // so another replica picks it up at once.
        if (this.#stopping) {
          msg.nak();
          continue;
        }
        const message = new NatsBusMessage(msg, this.#logger);
        try {
          await this.#handler(message);
        } catch (err) {
          this.#logger.warn({ err, subject: message.subject, seq: message.seq }, 'message handler failed; nak');
          message.nak();
        }
      }
    } catch (err) {
      this.#logger.error({ err }, 'consumer stopped by an error');
    }
  }

  async #watch(): Promise<void> {
    try {
      for await (const status of this.#messages.status()) {
        if (WARN_ON.has(status.type)) this.#logger.warn({ status }, `consumer: ${status.type}`);
      }
    } catch {
      // The status stream ends with the consumer; nothing to report.
    }
  }
}
