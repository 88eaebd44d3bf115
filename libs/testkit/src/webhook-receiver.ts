import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Notifier channel settings (a generic webhook, as in a routing file) for a receiver on this
 * host, as an operator would tune them: recovery within seconds rather than the defaults'
 * minutes (backoff up to 5 min, breaker reset 30 s), 100 attempts, and no rate limit or digest
 * in the way, so every alert is delivered — and counted — on its own.
 */
export function localWebhookChannel(name: string, url: string): {
  readonly name: string;
  readonly type: 'webhook';
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly breaker: { readonly resetTimeoutMs: number };
  readonly rateLimit: { readonly perChannel: { readonly capacity: number; readonly refillPerSecond: number }; readonly perDevice: { readonly capacity: number; readonly refillPerSecond: number } };
  readonly digest: { readonly threshold: number; readonly windowMs: number; readonly maxItems: number };
} {
  const unlimited = { capacity: 1_000_000, refillPerSecond: 1_000_000 };
  return {
    name,
    type: 'webhook',
    url,
    secret: `${name}-secret-0123456789`,
    timeoutMs: 2_000,
    maxAttempts: 100,
    backoff: { baseMs: 250, maxMs: 5_000 },
    breaker: { resetTimeoutMs: 2_000 },
    rateLimit: { perChannel: unlimited, perDevice: unlimited },
    digest: { threshold: 1_000_000_000, windowMs: 1_000, maxItems: 1_000 },
  };
}

/** The alert transition a generic webhook carries (`type: 'alert'` bodies). */
export interface WebhookAlert {
  readonly alertId: string;
  readonly site: string;
  readonly device: string;
  readonly rule: string;
  readonly to: string;
  readonly idempotencyKey: string;
  readonly peakScore: number | null;
}

/** One webhook request as the receiver saw it. */
export interface WebhookHit {
  /** `performance.now()` when the whole body had arrived. */
  readonly at: number;
  /** The `Idempotency-Key` header. */
  readonly idempotencyKey: string;
  /** The alert transition (`type: 'alert'` bodies) — digests are counted, not unpacked. */
  readonly alert?: WebhookAlert;
  readonly digest: boolean;
}

/**
 * The local node:http receiver a notifier delivers to. `down()` closes the port and drops
 * every kept-alive socket, so the notifier meets connection refused (a dead receiver, not a
 * slow one); `up()` listens again on the same port. `responseDelayMs` makes it slow, so
 * requests are in flight whenever something is killed.
 */
export class WebhookReceiver {
  readonly hits: WebhookHit[] = [];
  /** Called for every hit, as it arrives. */
  onHit: (hit: WebhookHit) => void = () => {};
  /** How long each answer waits, ms (0: at once). */
  responseDelayMs = 0;
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  /** True while listening. */
  get isUp(): boolean {
    return this.#server !== undefined;
  }

  /** How often each idempotency key arrived. */
  keyCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const hit of this.hits) counts.set(hit.idempotencyKey, (counts.get(hit.idempotencyKey) ?? 0) + 1);
    return counts;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => this.#handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const idempotencyKey = String(req.headers['idempotency-key'] ?? '');
      let body: { type?: string; alert?: WebhookAlert } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // counted as a hit all the same
      }
      const hit: WebhookHit = { at, idempotencyKey, alert: body.type === 'alert' ? body.alert : undefined, digest: body.type === 'digest' };
      this.hits.push(hit);
      this.onHit(hit);
      const answer = () => {
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      };
      if (this.responseDelayMs > 0) setTimeout(answer, this.responseDelayMs);
      else answer();
    });
  }
}
