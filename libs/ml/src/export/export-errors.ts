/** The model contains a layer or a layer option the ONNX exporter cannot express. */
export class UnsupportedLayerError extends Error {
  override readonly name = 'UnsupportedLayerError';
}

/** The model description is inconsistent, e.g. weight sizes disagree with the shapes. */
export class ModelExportError extends Error {
  override readonly name = 'ModelExportError';
}
