import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '@premonitor/log';
import { HttpError } from './http-error.js';
import { httpMetrics } from './http-metrics.js';

/** A dependency `/readyz` checks; `check` resolves true when the dependency is usable. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => boolean | Promise<boolean>;
}

export interface HttpServerOptions {
  readonly logger: Logger;
  /** Prometheus registry served at `/metrics`. */
  readonly registry: Registry;
  readonly readiness: readonly ReadinessCheck[];
  /** Routers mounted by path prefix, e.g. `{ path: '/api/v1', router }`. */
  readonly routers?: readonly { readonly path: string; readonly router: Router }[];
  /** Name of the setting that chooses the port, for the "port in use" message. */
  readonly portSetting: string;
  /** Access control (libs/auth): `front` runs before everything (probes too), `guard` before the routers. */
  readonly access?: { readonly front: readonly RequestHandler[]; readonly guard: readonly RequestHandler[] };
}

/** A port someone else already listens on; the message names the port and the setting. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
    options?: { cause?: unknown },
  ) {
    super(`port ${port} is already in use; choose another with ${setting}=<port> (0 picks a free one)`, options);
    this.name = 'PortInUseError';
  }
}

/**
 * The HTTP face of a service: `/healthz` (process alive), `/readyz` (dependencies reachable),
 * `/metrics` (Prometheus) and the service's own routers. Every service serves the same three.
 */
export class HttpServer {
  readonly app: Express;
  #server: Server | undefined;

  constructor(private readonly options: HttpServerOptions) {
    const app = express();
    app.disable('x-powered-by');
    app.use(httpMetrics(options.registry));
    if (options.access) app.use(...options.access.front);
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get('/readyz', async (_req, res) => {
      const results = await Promise.all(
        options.readiness.map(async ({ name, check }) => {
          try {
            return [name, await check()] as const;
          } catch {
            return [name, false] as const;
          }
        }),
      );
      const ready = results.every(([, ok]) => ok);
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
    });
    app.get('/metrics', async (_req, res) => {
      res.set('Content-Type', options.registry.contentType).send(await options.registry.metrics());
    });
    if (options.access) app.use(...options.access.guard);
    for (const { path, router } of options.routers ?? []) app.use(path, router);
    app.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'no such route')));
    app.use(errorHandler(options.logger));
    this.app = app;
  }

  /** Listens; resolves with the bound port. A taken port fails with `PortInUseError`. */
  async start(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer(this.app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, this.options.portSetting, { cause: err }) : err);
      });
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json(err.toBody());
      return;
    }
    // express.json() failures carry a status and a type; they are the client's fault.
    const status = typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : 500;
    if (status >= 400 && status < 500) {
      const type = (err as { type?: string }).type;
      const message = type === 'entity.too.large' ? 'request body too large' : type === 'entity.parse.failed' ? 'malformed JSON body' : String((err as Error).message);
      res.status(status).json({ error: type ?? 'bad_request', message });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  };
}
