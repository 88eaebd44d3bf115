export { runCoreService, type CoreContext, type CoreServiceConfig, type RunCoreServiceOptions, type ServiceComponent } from './run-core-service.js';
export { stopInOrder, ShutdownError, exitOnSignals, EXIT_CLEAN, EXIT_UNCLEAN, type StopStep, type StopFailure, type StopInOrderOptions, type ExitOnSignalsOptions } from './lifecycle.js';
