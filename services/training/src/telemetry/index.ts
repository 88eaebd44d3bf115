// '@premonitor/training/telemetry': the telemetry anomaly pipeline (SKAB, NAB) for the bench.
export { trainTelemetry } from './train-telemetry.js';
export type { TrainTelemetryOptions } from './train-telemetry.js';
export { SKAB_CHANNELS } from './skab-data.js';
