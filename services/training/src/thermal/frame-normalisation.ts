/**
 * Per-frame normalisation, mirrored in the ONNX graph: subtract the frame's coldest pixel
 * (≈ the room), divide by one global spread learnt on healthy frames. What remains is
 * "°C above the room", which faults raise; the frame mean would rise with the fault
 * itself and hide part of it.
 */
export function normaliseFrame(celsius: Float32Array, scaleC: number): Float32Array {
  let floor = Number.POSITIVE_INFINITY;
  for (const v of celsius) floor = Math.min(floor, v);
  return celsius.map((v) => (v - floor) / scaleC);
}

/** The spread (°C) of mean-subtracted healthy pixels, the normalisation's divisor. */
export function frameScale(frames: readonly Float32Array[]): number {
  let sumSq = 0;
  let count = 0;
  for (const f of frames) {
    let mean = 0;
    for (const v of f) mean += v;
    mean /= f.length;
    for (const v of f) sumSq += (v - mean) ** 2;
    count += f.length;
  }
  return Math.max(Math.sqrt(sumSq / count), 0.1);
}
