import { readModelMetadata, type ModelMetadata } from '@premonitor/ml';
import { InvalidModelError } from './registry-errors.js';

/**
 * Reads what the registry needs from model bytes. Injected into `ModelRegistry` so another
 * artifact format could be registered; the default reads ONNX `metadata_props`.
 */
export type ModelInspector = (bytes: Uint8Array) => ModelMetadata;

/**
 * The default inspector: the bytes must be an ONNX ModelProto whose metadata carries
 * kind, version and input signature (as `encodeModelMetadata` writes them).
 */
export const inspectOnnxModel: ModelInspector = (bytes) => {
  if (bytes.byteLength === 0) throw new InvalidModelError('the model file is empty');
  try {
    return readModelMetadata(bytes);
  } catch (cause) {
    throw new InvalidModelError(`not an ONNX model with Premonitor metadata: ${(cause as Error).message}`, { cause });
  }
};
