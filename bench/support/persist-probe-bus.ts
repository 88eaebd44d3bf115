import type { Bus, ConsumerLag, ConsumerSpec, MessageHandler, PublishOptions, PublishResult, Subscription } from '@premonitor/bus';

const TELEMETRY_PREFIX = 'pm.telemetry.';

/**
 * A `Bus` decorator that watches ingest's telemetry events. Ingest publishes a telemetry event
 * right after its batch's transaction commits, so the moment of that call is when the
 * message's rows became visible. The bench's devices stamp `ts` with their send time (same
 * host clock), so `call time − ts` is the publish→row latency of that message, sampled every
 * `sampleEvery`-th event to keep JSON parsing off the hot path.
 */
export class PersistProbeBus implements Bus {
  /** Telemetry events seen, and the wall-clock ms of the last one (= last rows committed). */
  events = 0;
  lastEventAt = 0;
  #samples: number[] = [];
  #recording = false;
  #pending = 0;
  #busySince = 0;
  #busyMs = 0;

  constructor(
    private readonly inner: Bus,
    private readonly sampleEvery = 10,
  ) {}

  /** Starts a fresh set of latency samples (one per measured phase). */
  record(): void {
    this.#samples = [];
    this.#recording = true;
  }

  /**
   * Wall-clock ms during which at least one telemetry publish was awaiting its bus ack. Ingest
   * flushes one batch at a time and waits for the bus before the next, so this is the share of
   * its batch loop spent on the bus (the rest: batching wait, validation and the database).
   */
  get busBusyMs(): number {
    return this.#busyMs + (this.#pending > 0 ? Date.now() - this.#busySince : 0);
  }

  /** Stops sampling and returns the samples taken since `record()`, in ms. */
  takeSamples(): number[] {
    this.#recording = false;
    return this.#samples;
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishResult> {
    if (subject.startsWith(TELEMETRY_PREFIX)) {
      const now = Date.now();
      this.lastEventAt = now;
      if (this.#recording && this.events % this.sampleEvery === 0) {
        const { ts } = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as { ts: number };
        this.#samples.push(now - ts);
      }
      this.events++;
      if (this.#pending++ === 0) this.#busySince = now;
      const done = () => {
        if (--this.#pending === 0) this.#busyMs += Date.now() - this.#busySince;
      };
      const result = this.inner.publish(subject, data, options);
      result.then(done, done);
      return result;
    }
    return this.inner.publish(subject, data, options);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  consume(spec: ConsumerSpec, handler: MessageHandler): Promise<Subscription> {
    return this.inner.consume(spec, handler);
  }

  isReady(): boolean {
    return this.inner.isReady();
  }

  consumerLag(): Promise<readonly ConsumerLag[]> {
    return this.inner.consumerLag();
  }
}
