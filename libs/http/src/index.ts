export { HttpServer, PortInUseError, type HttpServerOptions, type ReadinessCheck } from './http-server.js';
export { HttpError } from './http-error.js';
export { validateInput } from './validate.js';
export { queryLimit, queryTime } from './query-params.js';
export { createRegistry } from './metrics.js';
export { RouteTable, isPermission, type Permission, type RouteDeclaration, type RouteDocs, type RouteMatch } from './route-declaration.js';
export { requestActor } from './request-actor.js';
export { openApiDocument, openApiPath, type OpenApiDocument } from './openapi.js';
export { API_DOCS_ROUTES, apiDocsRouter } from './api-docs-router.js';
