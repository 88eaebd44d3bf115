import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { UnsafeUrlError } from './errors.js';
import { isNonPublicAddress } from './non-public-address.js';
import { guardedLookup, type NetworkPolicy } from './url-guard.js';

/** One POST to send. */
export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborts the request (shutdown); the outcome is then `aborted` and nothing is recorded. */
  readonly signal?: AbortSignal;
}

/** What came back; `kind` decides what happens next. */
export interface PostResult {
  /** delivered: 2xx. throttled: 429. retryable: 5xx, 408, timeout, network. permanent: other 4xx, refused URL. */
  readonly kind: 'delivered' | 'throttled' | 'retryable' | 'permanent' | 'aborted';
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly retryAfter?: string;
  readonly error?: string;
}

/** Sends webhook requests. The seam tests replace only by pointing URLs at a real local receiver. */
export interface WebhookTransport {
  post(request: PostRequest): Promise<PostResult>;
  close(): void;
}

/** Longest response body read (and discarded); receivers answer with small bodies. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * `node:http(s)` with keep-alive and a `lookup` that checks every resolved address at connect
 * time (see `guardedLookup`); IP literals, which skip lookup, are checked here.
 */
export class NodeHttpTransport implements WebhookTransport {
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  constructor(private readonly policy: NetworkPolicy) {
    const lookup = guardedLookup(policy);
    this.#http = new HttpAgent({ keepAlive: true, maxSockets: 16, lookup });
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets: 16, lookup });
  }

  post(req: PostRequest): Promise<PostResult> {
    const started = performance.now();
    const latency = () => Math.round((performance.now() - started) * 10) / 10;
    const url = new URL(req.url);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!this.policy.allowPrivateNetworks && isIP(host) && isNonPublicAddress(host)) {
      return Promise.resolve({ kind: 'permanent', statusCode: null, latencyMs: 0, error: new UnsafeUrlError(req.url, `non-public address ${host}`).message });
    }
    const secure = url.protocol === 'https:';
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const finish = (result: PostResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const send = secure ? httpsRequest : httpRequest;
      const request = send(url, {
        method: 'POST',
        agent: secure ? this.#https : this.#http,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(req.body)), 'user-agent': 'premonitor-notifier', ...req.headers },
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish({ kind: 'retryable', statusCode: null, latencyMs: latency(), error: `timed out after ${req.timeoutMs} ms` });
      }, req.timeoutMs);
      const onAbort = () => {
        request.destroy();
        finish({ kind: 'aborted', statusCode: null, latencyMs: latency(), error: 'aborted by shutdown' });
      };
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err: NodeJS.ErrnoException) => {
        const refused = err instanceof UnsafeUrlError || err.code === 'EUNSAFEURL';
        finish({ kind: refused ? 'permanent' : 'retryable', statusCode: null, latencyMs: latency(), error: err.message || String(err.code) });
      });
      request.on('response', (res: IncomingMessage) => {
        let read = 0;
        const done = () => finish(classify(res, latency()));
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      request.end(req.body);
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

function classify(res: IncomingMessage, latencyMs: number): PostResult {
  const statusCode = res.statusCode ?? 0;
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode, latencyMs };
  const retryAfter = typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined;
  const error = `HTTP ${statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
  if (statusCode === 429) return { kind: 'throttled', statusCode, latencyMs, retryAfter, error };
  if (statusCode >= 500 || statusCode === 408) return { kind: 'retryable', statusCode, latencyMs, retryAfter, error };
  return { kind: 'permanent', statusCode, latencyMs, error };
}
