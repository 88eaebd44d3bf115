/**
 * Every `size × size` patch of a `height × width` frame at the given stride ('valid'
 * positions only), as rows of `size²` values in row-major patch order — the order the
 * whitening Conv kernel in the ONNX graph reads them in.
 */
export function extractPatches(frame: Float32Array, height: number, width: number, size: number, stride = 1): Float32Array {
  const rows = Math.floor((height - size) / stride) + 1;
  const cols = Math.floor((width - size) / stride) + 1;
  const dim = size * size;
  const out = new Float32Array(rows * cols * dim);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let y = 0; y < size; y++) {
        const base = (r * stride + y) * width + c * stride;
        for (let x = 0; x < size; x++) out[o++] = frame[base + x]!;
      }
    }
  }
  return out;
}
