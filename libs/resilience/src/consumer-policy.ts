import { deviceKey, deviceOfSubject } from '@premonitor/contracts';
import type { BusMessage, ConsumerSpec, MessageHandler } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import type { DeadLetterSink } from './dead-letter-sink.js';
import { classifyFailure, type FailureKind } from './failure-kind.js';

/** Settings and collaborators of a {@link ConsumerPolicy}. */
export interface ConsumerPolicyOptions {
  /** The durable consumer's name: the `source` of its dead letters, and in its logs. */
  readonly consumer: string;
  readonly deadLetters: DeadLetterSink;
  readonly logger: Logger;
  /** Nak delays (default 1 s doubling to 30 s, with jitter). */
  readonly backoff?: BackoffPolicy;
  /** Failures judged permanent before a message is dead-lettered (default 3). */
  readonly maxPermanentFailures?: number;
  /** Failures of unknown kind before a message is dead-lettered (default 10). */
  readonly maxUnknownFailures?: number;
  readonly classify?: (err: unknown) => FailureKind;
  readonly random?: () => number;
  /** Called after a message was dead-lettered (metrics). */
  readonly onDeadLetter?: (message: BusMessage, reason: string) => void;
}

/** How a failure is counted: on its own, or as part of a batch that failed as a whole. */
export interface FailOptions {
  /**
   * The message failed together with others (one write for a batch): a non-transient failure
   * is not counted against it yet; it is marked `suspect` and comes back to be handled alone,
   * where a failure counts. So one poison message never takes its batch-mates with it.
   */
  readonly batched?: boolean;
}

/** Most messages whose failures are remembered; the oldest are forgotten first. */
const MAX_TRACKED = 10_000;

export const CONSUMER_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1_000, maxMs: 30_000 });

/**
 * What every bus consumer does with a message it could not process. Transient failures
 * (database or bus down) are nak-ed with capped exponential backoff, for as long as they last:
 * an outage never burns through a message's deliveries. Permanent failures are counted per
 * message, and unknown ones too (with a higher bound); when the count is reached, the message
 * is written to `dead_letters` (consumer, subject, reason, payload) and only then terminated.
 * The consumer's `maxDeliver` is unlimited (`spec`), so the bus never drops a message before
 * the policy has decided. Counts live in memory: after a restart a message may get its
 * permanent tries again, which only delays its dead letter.
 */
export class ConsumerPolicy {
  readonly #o: ConsumerPolicyOptions;
  readonly #failures = new Map<number, number>();
  readonly #suspects = new Set<number>();
  readonly #writing = new Set<Promise<void>>();

  constructor(options: ConsumerPolicyOptions) {
    this.#o = options;
  }

  /** The consumer spec with `maxDeliver` unlimited: this policy decides when to give up. */
  spec(spec: ConsumerSpec): ConsumerSpec {
    return { ...spec, maxDeliver: -1 };
  }

  /** The handler, with a throw (or rejection) treated as a failure of that message. */
  guard(handler: MessageHandler): MessageHandler {
    return async (message) => {
      try {
        await handler(message);
      } catch (err) {
        this.fail(message, err);
      }
    };
  }

  /** True when the message failed with its batch before: handle it alone this time. */
  isSuspect(message: BusMessage): boolean {
    return this.#suspects.has(message.seq);
  }

  /** Settles a message whose processing failed with `err`: nak with backoff, or dead-letter. */
  fail(message: BusMessage, err: unknown, options: FailOptions = {}): void {
    const kind = (this.#o.classify ?? classifyFailure)(err);
    if (kind === 'transient') {
      this.retryLater(message);
      return;
    }
    if (options.batched) {
      this.#remember(this.#suspects, message.seq);
      message.nak(this.#delay(1));
      return;
    }
    const count = (this.#failures.get(message.seq) ?? 0) + 1;
    const limit = kind === 'permanent' ? (this.#o.maxPermanentFailures ?? 3) : (this.#o.maxUnknownFailures ?? 10);
    if (count < limit) {
      this.#failures.delete(message.seq);
      this.#failures.set(message.seq, count);
      if (this.#failures.size > MAX_TRACKED) this.#failures.delete(this.#failures.keys().next().value!);
      message.nak(this.#delay(count));
      return;
    }
    void this.deadLetter(message, `${this.#o.consumer} gave up after ${count} ${kind} failure(s): ${describe(err)}`);
  }

  /** Hands the message back to be redelivered after the transient-failure backoff (nothing is counted). */
  retryLater(message: BusMessage): void {
    message.nak(this.#delay(message.deliveryCount));
  }

  /**
   * Writes the message to `dead_letters` and then terminates it, so it is never delivered
   * again but never lost from sight either. Use it directly for a message that can never be
   * processed (undecodable). If the write fails the message is nak-ed and comes back.
   */
  deadLetter(message: BusMessage, reason: string): Promise<void> {
    const ref = deviceOfSubject(message.subject);
    const write = this.#o.deadLetters
      .record([{ topic: message.subject, deviceId: ref ? deviceKey(ref) : null, reason, payload: message.data, source: this.#o.consumer }])
      .then(
        () => {
          this.#failures.delete(message.seq);
          this.#suspects.delete(message.seq);
          message.term(reason);
          this.#o.logger.warn({ consumer: this.#o.consumer, subject: message.subject, seq: message.seq, reason }, 'message dead-lettered');
          this.#o.onDeadLetter?.(message, reason);
        },
        (err: unknown) => {
          this.#o.logger.error({ err, consumer: this.#o.consumer, subject: message.subject, seq: message.seq }, 'could not record a dead letter; the message will come back');
          message.nak(this.#delay(message.deliveryCount));
        },
      );
    this.#writing.add(write);
    void write.finally(() => this.#writing.delete(write));
    return write;
  }

  /** Resolves once every dead letter being written is written (or nak-ed). */
  async settled(): Promise<void> {
    while (this.#writing.size > 0) await Promise.all([...this.#writing]);
  }

  #delay(attempt: number): number {
    return backoffDelayMs(attempt, this.#o.backoff ?? CONSUMER_BACKOFF, this.#o.random ?? Math.random);
  }

  #remember(set: Set<number>, seq: number): void {
    set.add(seq);
    if (set.size > MAX_TRACKED) set.delete(set.values().next().value!);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
