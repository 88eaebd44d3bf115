export { HttpServer, PortInUseError, type HttpServerOptions, type ReadinessCheck } from './http-server.js';
export { HttpError } from './http-error.js';
export { validateInput } from './validate.js';
export { queryLimit, queryTime } from './query-params.js';
export { createRegistry } from './metrics.js';
export { RouteTable, isPermission, type Permission, type RouteDeclaration, type RouteMatch } from './route-declaration.js';
export { requestActor } from './request-actor.js';
