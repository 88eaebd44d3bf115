// Public door of @premonitor/ml: ONNX writing, model export and in-graph features.
// Nothing here loads tfjs at runtime; training helpers live behind '@premonitor/ml/training'.
export { OnnxGraphBuilder } from './onnx/graph-builder.js';
export type { OnnxDim, OnnxModelOptions } from './onnx/graph-builder.js';
export { OnnxAttr } from './onnx/onnx-attribute.js';
export type { OnnxAttribute, OnnxAttributes } from './onnx/onnx-attribute.js';
export { OnnxDataType } from './onnx/onnx-schema.js';
export type { OnnxDataTypeCode } from './onnx/onnx-schema.js';
export { OnnxDecodeError, OnnxGraphError } from './onnx/onnx-errors.js';
export { encodeModelMetadata, readMetadataProps, readModelMetadata } from './onnx/model-metadata.js';
export type { InputSignature, ModelMetadata, ModelTarget, ThermalInput, WindowContract } from './onnx/model-metadata.js';

export type {
  ActivationName,
  ActivationSpec,
  BatchNormSpec,
  Conv2dSpec,
  DenseSpec,
  FlattenSpec,
  LayerSpec,
  LstmSpec,
  MaxPool2dSpec,
  ModelDescription,
  PaddingMode,
  ReshapeSpec,
  UpSampling2dSpec,
} from './export/model-description.js';
export { describeLayersModel } from './export/describe-layers-model.js';
export { addLayers, exportModelToOnnx } from './export/onnx-exporter.js';
export type { ExportOptions } from './export/onnx-exporter.js';
export type { ExportValue } from './export/export-context.js';
export { ModelExportError, UnsupportedLayerError } from './export/export-errors.js';

export { addLogMelFeatures, addPowerSpectrum, addPowerToDb, buildLogMelModel, logMelFrameCount, melBasis, periodicHann, resolveLogMelOptions } from './features/log-mel.js';
export type { LogMelOptions, ResolvedLogMelOptions } from './features/log-mel.js';
export { hzToMel, melFilterbank, melToHz } from './features/mel-filterbank.js';
export type { MelFilterbankOptions } from './features/mel-filterbank.js';

export { BaselineError, MAX_SUBSPACE_FRAMES, baselineLength, baselineShape, checkBaselineSpec, deviceThresholdTarget, enrollmentDecision, fitBaseline, fleetFindsAnomalous, heldOutLogDistances, subspaceDistance, fitDeviceThreshold, framesPerDayOf, leaveOneOutLogDistances, packBaselineFeed, sharedThresholdFloor, standardNormalQuantile } from './baseline/index.js';
export type { BaselineFeed, BaselineSpec, DeviceThreshold, DeviceThresholdSpec, EnrollmentDecision, EnrollmentGate, EnrollmentPolicy, EnrollmentRate, FitBaselineOptions, SubspaceDistanceSpec, ThresholdTarget } from './baseline/index.js';

export { DEFAULT_TEXT_FEATURES, TEXT_FEATURE_OPSETS, TEXT_LOCALE, TextFeatureError, TextFeatureExtractor, addTextFeatures, buildTextFeatureModel, charNgrams, lowerCase, murmurHash3, murmurHash3String, textFeatureFamilies, textFeatureSpecProblem, textFeatures, textInputFeeds, tokenizeWords } from './text/index.js';
export type { HashedFeatures, SparseRows, TextFeatureFamily, TextFeatureSpec, TextFeatureValues, TextInput } from './text/index.js';

export { jacobiEigen } from './linalg/jacobi-eigen.js';
export { cholesky, solveCholesky } from './linalg/cholesky.js';
export { DEFAULT_MAX_GAP_STEPS, SCORE_THRESHOLD, StepResampler, TelemetryWindowFeed, WindowFitError, WindowRing, WindowInputError, windowScore, applyAlarmRule, applyScaler, buildTelemetryModel, checkWindowBatch, correlationTime, fitPcaT2Q, fitStandardScaler, lag1Autocorrelation, pcaWindowErrors, pointStatistics, residualThreshold, slidingWindows } from './telemetry/index.js';
export type { AlarmRule, ResampledRow, StepResamplerOptions, TelemetryWindow, WindowScore, PcaT2Q, PcaT2QOptions, StandardScaler, TelemetryFamily, TelemetryGraphSpec, WindowShape } from './telemetry/index.js';
export { addVibrationFeatures, buildVibrationModel, vibrationFeatureCount, vibrationFeatures } from './vibration/index.js';
export type { LinearMap, VibrationFeatureSpec, VibrationGraphSpec } from './vibration/index.js';
