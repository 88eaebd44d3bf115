/** A graph under construction is inconsistent: duplicate names, wrong data length, bad dims. */
export class OnnxGraphError extends Error {
  override readonly name = 'OnnxGraphError';
}

/** Bytes given to the metadata reader are not a readable ONNX ModelProto. */
export class OnnxDecodeError extends Error {
  override readonly name = 'OnnxDecodeError';
}
