export { HttpServer, PortInUseError, type HttpServerOptions, type ReadinessCheck } from './http-server.js';
export { HttpError } from './http-error.js';
export { validateInput } from './validate.js';
export { queryLimit, queryTime } from './query-params.js';
export { createRegistry } from './metrics.js';
export { httpMetrics, UNMATCHED_ROUTE } from './http-metrics.js';
export { sampledGauge, type Sample, type SampledGaugeOptions } from './sampled-gauge.js';
