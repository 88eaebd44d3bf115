import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Seconds; from a cached read (1 ms) to a slow upload scored in a worker (10 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request no router matched: one series, however many paths are probed. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Reuses a metric already in `registry` (a host that builds a second server on it keeps counting). */
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * Counts every HTTP request and times it, by route template (`/api/v1/alerts/:id`, not the
 * id: the label set stays bounded), method and status code. Mounted by `HttpServer` ahead of
 * every router, so every module gets it from its host.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const labelNames = ['route', 'method', 'status'] as const;
  const requests = metric(registry, 'pm_http_requests_total', () => new Counter({ name: 'pm_http_requests_total', help: 'HTTP requests answered, by route template, method and status', labelNames, registers: [registry] }));
  const duration = metric(registry, 'pm_http_request_duration_seconds', () =>
    new Histogram({ name: 'pm_http_request_duration_seconds', help: 'HTTP request duration, by route template, method and status', labelNames, buckets: DURATION_BUCKETS, registers: [registry] }),
  );
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      // req.route is the matched layer of the last router; baseUrl is where that router is mounted.
      const template = req.route?.path;
      const route = typeof template === 'string' ? `${req.baseUrl}${template}` : UNMATCHED_ROUTE;
      const labels = { route, method: req.method, status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
