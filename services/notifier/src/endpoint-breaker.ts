import CircuitBreaker from 'opossum';
import type { ChannelSettings } from './notifier-settings.js';
import type { PostResult } from './http-transport.js';

/** What `EndpointBreaker.send` returns when the circuit is open and nothing was sent. */
export const CIRCUIT_OPEN = 'circuit-open' as const;

/** Carries a failing result through opossum so it counts as a failure of the endpoint. */
class EndpointFailure extends Error {
  constructor(readonly result: PostResult) {
    super(result.error ?? 'endpoint failure');
    this.name = 'EndpointFailure';
  }
}

/**
 * One opossum circuit breaker per endpoint. Only signs of an unhealthy endpoint (5xx, timeouts,
 * connection errors) count as failures; a 4xx or a 429 proves the endpoint is alive. Opossum
 * keeps its own timers (no injectable clock), so breaker tests use short real reset timeouts.
 */
export class EndpointBreaker {
  readonly #breaker: CircuitBreaker<[() => Promise<PostResult>], PostResult>;

  constructor(settings: ChannelSettings['breaker']) {
    this.#breaker = new CircuitBreaker(
      async (send: () => Promise<PostResult>) => {
        const result = await send();
        if (result.kind === 'retryable') throw new EndpointFailure(result);
        return result;
      },
      {
        timeout: false, // the transport enforces the per-request timeout and reports it as a result
        errorThresholdPercentage: settings.errorThresholdPercentage,
        volumeThreshold: settings.volumeThreshold,
        resetTimeout: settings.resetTimeoutMs,
        rollingCountTimeout: settings.rollingWindowMs,
        rollingCountBuckets: 10,
      },
    );
  }

  /** `open` while requests are refused; `halfOpen` lets one trial request through. */
  get state(): 'open' | 'halfOpen' | 'closed' {
    if (this.#breaker.halfOpen) return 'halfOpen';
    return this.#breaker.opened ? 'open' : 'closed';
  }

  /** Runs `send` through the breaker; `CIRCUIT_OPEN` when the circuit refused to. */
  async send(send: () => Promise<PostResult>): Promise<PostResult | typeof CIRCUIT_OPEN> {
    try {
      return await this.#breaker.fire(send);
    } catch (err) {
      if (err instanceof EndpointFailure) return err.result;
      if ((err as { code?: string }).code === 'EOPENBREAKER') return CIRCUIT_OPEN;
      throw err;
    }
  }

  /** Calls `listener` on every state change (e.g. to wake a waiting worker at half-open). */
  onChange(listener: (state: 'open' | 'halfOpen' | 'closed') => void): void {
    this.#breaker.on('open', () => listener('open'));
    this.#breaker.on('halfOpen', () => listener('halfOpen'));
    this.#breaker.on('close', () => listener('closed'));
  }

  shutdown(): void {
    this.#breaker.shutdown();
  }
}
