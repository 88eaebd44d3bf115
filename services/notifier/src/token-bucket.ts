/** What a token bucket needs of a clock. */
export interface NowSource {
  now(): number;
}

/** Size and refill rate of a token bucket. */
export interface BucketLimits {
  /** Most tokens held: the burst allowed after a quiet period. */
  readonly capacity: number;
  /** Tokens added per second: the sustained rate. */
  readonly refillPerSecond: number;
}

/** A token bucket on an injected clock; starts full. */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly limits: BucketLimits,
    private readonly clock: NowSource,
  ) {
    this.#tokens = limits.capacity;
    this.#updatedAt = clock.now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 when one is). */
  msUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.limits.refillPerSecond) * 1000);
  }

  /** True when the bucket is full again, i.e. forgetting it changes nothing. */
  isFull(): boolean {
    this.#refill();
    return this.#tokens >= this.limits.capacity;
  }

  #refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#updatedAt = now;
    this.#tokens = Math.min(this.limits.capacity, this.#tokens + (elapsed / 1000) * this.limits.refillPerSecond);
  }
}
