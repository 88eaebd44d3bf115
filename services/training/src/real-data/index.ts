// `@premonitor/training/real-data`: the evaluation on real recordings, for the training report
// and the `real-models` bench, without loading the training stack (tfjs).
export { MIMII_PROTOCOL, cut, evaluateMimii, leaveOneMachineOutFleetMedians, mimiiNormalFleetErrors } from './mimii-evaluation.js';
export type { MimiiEvaluation, MimiiFleetResult, MimiiMachineResult, MimiiProtocol, Spread } from './mimii-evaluation.js';
export { loadMimiiMachines, mimiiFolder } from './mimii-recordings.js';
export type { MimiiMachine } from './mimii-recordings.js';
export { formatMimii, mimiiJson, summariseLeaveOneOut, summariseMimii } from './mimii-report.js';
export type { MimiiSummary } from './mimii-report.js';
export { expandQuantileSketch, fitFleetCalibration, quantileSketch } from '../evaluation/fleet-calibration.js';
export { OnnxScorer } from '../onnx/onnx-scorer.js';
