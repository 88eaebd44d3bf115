// '@premonitor/ml/training': helpers that load tfjs at runtime, kept off the main entry so
// inference services that only run ONNX never pay for importing tfjs.
export { TfjsBackendError, useTfjsBackend, wasmSimdEnabled } from './tfjs-backend.js';
export type { TfjsBackendName, TfjsBackendOptions } from './tfjs-backend.js';
export { registerWasmConvGradients } from './wasm-conv-gradients.js';
export { buildConvAe1d, convAeErrors, trainConvAe1d } from './conv-ae-1d.js';
export type { ConvAe1dConfig } from './conv-ae-1d.js';
