// The embedded-mode part of @premonitor/runtime: the module types and the in-process host,
// without the NATS adapter (the embedded platform must not load it).
export { ModuleHost, hosted, type HostedModule, type ModuleHostOptions } from './module-host.js';
export { moduleName, type CoreServiceConfig, type ModuleContext, type ModuleEnv, type ServiceComponent, type ServiceModule } from './service-module.js';
export * from './lifecycle.js';
export type { Permission, RouteDeclaration } from '@premonitor/http';
export { assertRoutesDeclared, servedRoutes, UndeclaredRouteError, type ServedRoute } from './declared-routes.js';
