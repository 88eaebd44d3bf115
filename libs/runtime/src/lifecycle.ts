// The lifecycle part of @premonitor/runtime on its own, for hosts that must not load the NATS
// adapter (the embedded platform).
export { stopInOrder, ShutdownError, type StopStep, type StopFailure, type StopInOrderOptions } from './stop-in-order.js';
export { exitOnSignals, EXIT_CLEAN, EXIT_UNCLEAN, type ExitOnSignalsOptions } from './exit-on-signals.js';
