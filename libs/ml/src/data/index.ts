// Public door of @premonitor/ml/data: seeded synthetic machine sound and thermal frames,
// and loaders for real recordings (WAV, resampling, CSV/JSON thermal matrices, greyscale
// PNG/JPEG infrared images with an optional temperature scale).
export { DataOptionsError, InputLimitError, TemperatureScaleError, ThermalImageError, ThermalMatrixError, WavFormatError } from './data-errors.js';
export type { ThermalImageErrorCode, WavErrorCode } from './data-errors.js';
export { SeededRandom, deriveSeed } from './seeded-random.js';
export type { RandomSource } from './seeded-random.js';
export { dbToGain, fromInt16Pcm, gainToDb, rms, toInt16Pcm } from './signal-level.js';

export { MACHINE_TYPES, machineProfile } from './machine-profile.js';
export type { MachineProfile, MachineType, ShaftTone } from './machine-profile.js';
export { ACOUSTIC_ANOMALY_KINDS } from './acoustic-anomaly.js';
export type { AcousticAnomaly, AcousticAnomalyKind } from './acoustic-anomaly.js';
export { generateAcousticClip, renderAcousticClip } from './acoustic-clip.js';
export type { AcousticClipOptions, AcousticClipParts } from './acoustic-clip.js';
export { acousticDataset, acousticDatasetSize } from './acoustic-dataset.js';
export type { AcousticDatasetOptions, AcousticExample } from './acoustic-dataset.js';

export { SCENE_ASPECT, thermalSceneGeometry } from './thermal-scene.js';
export type { SceneDisk, ThermalSceneGeometry } from './thermal-scene.js';
export { THERMAL_ANOMALY_KINDS, anomalyProgress } from './thermal-anomaly.js';
export type { ThermalAnomaly, ThermalAnomalyKind } from './thermal-anomaly.js';
export { episodeAmbient, episodeLoad, generateThermalFrame, renderThermalFrame } from './thermal-frame.js';
export type { ThermalFrame, ThermalFrameOptions } from './thermal-frame.js';
export { thermalDataset } from './thermal-dataset.js';
export type { ThermalDatasetOptions, ThermalExample } from './thermal-dataset.js';

export { readWavHeader } from './wav-header.js';
export type { WavHeader } from './wav-header.js';
export { DEFAULT_WAV_LIMITS, checkWavLimits } from './wav-limits.js';
export type { WavLimits } from './wav-limits.js';
export { readWav } from './wav-reader.js';
export type { ReadWavOptions, WavAudio } from './wav-reader.js';
export { writeWav } from './wav-writer.js';
export { resample } from './resample.js';
export type { ResampleOptions } from './resample.js';
export { parseThermalMatrix } from './thermal-matrix.js';
export type { ParseThermalMatrixOptions, ThermalMatrix } from './thermal-matrix.js';
export { readImageHeader } from './image-header.js';
export type { ImageHeader } from './image-header.js';
export { decodeThermalImage } from './thermal-image.js';
export type { DecodeThermalImageOptions, ThermalImage } from './thermal-image.js';
export { applyTemperatureScale, thermalImageRaster } from './temperature-scale.js';
export type { TemperatureScale, TemperatureScaleOptions, ThermalRaster } from './temperature-scale.js';
