// '@premonitor/training/vibration': the vibration window pipeline (vibration-fan) for the bench.
export { runVibrationModel, trainVibration } from './train-vibration.js';
export type { TrainVibrationOptions } from './train-vibration.js';
export { FAN_CHANNELS, FAN_SAMPLES, VIBRATION_CLASSES, loadVibrationFan } from './vibration-data.js';
export type { VibrationWindow } from './vibration-data.js';
