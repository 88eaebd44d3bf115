import { createInbox, type MsgHdrs, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** What JetStream answered to one publish. */
export interface JetStreamAck {
  readonly seq: number;
  readonly duplicate: boolean;
}

interface Waiting {
  readonly resolve: (ack: JetStreamAck) => void;
  readonly reject: (err: Error) => void;
  readonly at: number;
}

interface PubAckJson {
  readonly stream?: string;
  readonly seq?: number;
  readonly duplicate?: boolean;
  readonly error?: { readonly code?: number; readonly err_code?: number; readonly description?: string };
}

/** JetStream refused or never answered a publish. */
export class JetStreamPublishError extends Error {
  override readonly name = 'JetStreamPublishError';
  /** No stream takes the subject (503 no responders). */
  readonly noStream: boolean;
  constructor(message: string, noStream = false) {
    super(message);
    this.noStream = noStream;
  }
}

const decoder = new TextDecoder();

/**
 * JetStream publishes with acknowledgements, many in flight at once on one reply subscription.
 *
 * `js.publish` of @nats-io/jetstream 3.x makes every publish a request: a mux entry, a timer,
 * and — even with `noAsyncTraces` — a `RequestError("cancelled")` built (stack trace and all)
 * when the request completes normally. At ingest's thousands of events per second that was
 * the largest single cost in its profile. Here a publish is one `nc.publish` with a reply
 * subject `<inbox>.<token>`, a map entry, and one sweep per second for timeouts. The wire
 * protocol is JetStream's own: the stream answers the reply subject with a PubAck JSON (or an
 * error, or a 503 status when no stream takes the subject).
 */
export class NatsAckPublisher {
  readonly #prefix: string;
  readonly #subscription: Subscription;
  readonly #waiting = new Map<string, Waiting>();
  readonly #sweeper: NodeJS.Timeout;
  #next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5_000,
  ) {
    this.#prefix = `${createInbox()}.`;
    this.#subscription = nc.subscribe(`${this.#prefix}*`, { callback: (err, msg) => (err ? this.#failAll(err) : this.#answer(msg)) });
    this.#sweeper = setInterval(() => this.#expire(), Math.min(1_000, timeoutMs)).unref();
  }

  /** Publishes and resolves with the stream's ack; rejects on a JetStream error or after the timeout. */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<JetStreamAck> {
    const token = (this.#next++).toString(36);
    return new Promise<JetStreamAck>((resolve, reject) => {
      this.#waiting.set(token, { resolve, reject, at: Date.now() });
      try {
        this.nc.publish(subject, data, headers ? { reply: this.#prefix + token, headers } : { reply: this.#prefix + token });
      } catch (err) {
        this.#waiting.delete(token);
        reject(err instanceof Error ? err : new JetStreamPublishError(String(err)));
      }
    });
  }

  /** Stops listening; publishes still waiting are rejected. */
  close(): void {
    clearInterval(this.#sweeper);
    this.#subscription.unsubscribe();
    this.#failAll(new JetStreamPublishError('bus stopped before JetStream acknowledged the publish'));
  }

  #answer(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const waiting = this.#waiting.get(token);
    if (!waiting) return; // timed out meanwhile
    this.#waiting.delete(token);
    if (msg.data.length === 0) {
      const code = msg.headers?.code;
      waiting.reject(code === 503 ? new JetStreamPublishError('no JetStream stream takes this subject (503 no responders)', true) : new JetStreamPublishError(`empty JetStream answer (status ${code ?? 'none'})`));
      return;
    }
    let ack: PubAckJson;
    try {
      ack = JSON.parse(decoder.decode(msg.data)) as PubAckJson;
    } catch {
      waiting.reject(new JetStreamPublishError('JetStream answered with something that is not JSON'));
      return;
    }
    if (ack.error) {
      waiting.reject(new JetStreamPublishError(`${ack.error.description ?? 'JetStream error'} (code ${ack.error.code ?? '?'}, err_code ${ack.error.err_code ?? '?'})`));
    } else if (typeof ack.seq !== 'number' || !ack.stream) {
      waiting.reject(new JetStreamPublishError('invalid JetStream ack'));
    } else {
      waiting.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
    }
  }

  /** Entries are in publish order, so the expired ones are a prefix. */
  #expire(): void {
    const limit = Date.now() - this.timeoutMs;
    for (const [token, waiting] of this.#waiting) {
      if (waiting.at > limit) break;
      this.#waiting.delete(token);
      waiting.reject(new JetStreamPublishError(`no JetStream ack within ${this.timeoutMs} ms`));
    }
  }

  #failAll(err: Error): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(err);
  }
}
