export { runCoreService, type CoreContext, type CoreServiceConfig, type RunCoreServiceOptions, type ServiceComponent } from './run-core-service.js';
