export { HttpServer, PortInUseError, type HttpServerOptions, type ReadinessCheck } from './http-server.js';
export { HttpError } from './http-error.js';
export { validateInput } from './validate.js';
export { createRegistry } from './metrics.js';
