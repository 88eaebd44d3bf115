export { telemetryScoringModule } from './module.js';
export { TelemetryScoring, type TelemetryScoringSettings, type TelemetryScoringDependencies } from './telemetry-scoring.js';
export { telemetryScoringConfigShape, settingsFromConfig, vibrationSettingsFromConfig, type TelemetryScoringConfig } from './telemetry-scoring-config.js';
export { DeviceTracker, type DeviceStatus, type TrackerSettings, type TrackerOutcome, type StoredModel } from './device-tracker.js';
export { fitDeviceModel, WindowScorer, DEFAULT_DEVICE_MODEL_OPTIONS, SCORE_THRESHOLD, type DeviceModel, type DeviceModelOptions, type WindowScore } from './device-model.js';
export { StepResampler, type ResampledRow, type StepResamplerOptions } from './step-resampler.js';
export { TELEMETRY_SCORING_SCHEMA } from './schema.js';
export { VibrationScoring, type VibrationScoringSettings, type VibrationScoringDependencies } from './vibration-scoring.js';
