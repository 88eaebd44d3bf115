import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook request as the receiver saw it. */
export interface WebhookHit {
  /** `performance.now()` when the whole body had arrived. */
  readonly at: number;
  readonly idempotencyKey: string;
  /** The alert transition (`type: 'alert'` bodies) — digests are counted, not unpacked. */
  readonly alert?: { readonly site: string; readonly device: string; readonly rule: string; readonly to: string; readonly idempotencyKey: string; readonly peakScore: number | null };
  readonly digest: boolean;
}

/**
 * The local node:http receiver the notifier delivers to. `down()` closes the port and drops
 * every kept-alive socket, so the notifier meets connection refused (a dead receiver, not a
 * slow one); `up()` listens again on the same port.
 */
export class WebhookReceiver {
  readonly hits: WebhookHit[] = [];
  /** Called for every hit, as it arrives. */
  onHit: (hit: WebhookHit) => void = () => {};
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  async up(): Promise<void> {
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
      let body: { type?: string; alert?: WebhookHit['alert'] } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // counted as a hit all the same
      }
      const hit: WebhookHit = { at, idempotencyKey, alert: body.type === 'alert' ? body.alert : undefined, digest: body.type === 'digest' };
      this.hits.push(hit);
      this.onHit(hit);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  }
}
