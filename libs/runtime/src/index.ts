export { runModule } from './run-module.js';
export { moduleName, type CoreServiceConfig, type ModuleContext, type ModuleEnv, type ServiceComponent, type ServiceModule } from './service-module.js';
export { stopInOrder, ShutdownError, exitOnSignals, EXIT_CLEAN, EXIT_UNCLEAN, type StopStep, type StopFailure, type StopInOrderOptions, type ExitOnSignalsOptions } from './lifecycle.js';
export type { Permission, RouteDeclaration } from '@premonitor/http';
export { assertRoutesDeclared, servedRoutes, UndeclaredRouteError, type ServedRoute } from './declared-routes.js';
export { registerHostMetrics, type HostMetricsSources } from './host-metrics.js';
