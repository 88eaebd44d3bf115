import { FrameAdaptError } from './scoring-errors.js';

/**
 * Bilinear resize of a row-major image with pixel-centre alignment (OpenCV / ONNX Resize
 * `half_pixel`): a pixel's value is its centre's, so up- and down-scaling stay unbiased.
 * Edges clamp. Downscaling by more than 2× averages only the nearest source pixels, which
 * is acceptable for the sensor resolutions involved (80×60 → 32×24 at most).
 */
export function resizeBilinear(src: Float32Array, srcW: number, srcH: number, dstW: number, dstH: number): Float32Array {
  if (src.length !== srcW * srcH) throw new FrameAdaptError(`image has ${src.length} values, not ${srcW}×${srcH}`);
  const out = new Float32Array(dstW * dstH);
  const sx = srcW / dstW;
  const sy = srcH / dstH;
  for (let y = 0; y < dstH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let x = 0; x < dstW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcW - 1);
      const wx = fx - x0;
      const top = src[y0 * srcW + x0]! * (1 - wx) + src[y0 * srcW + x1]! * wx;
      const bottom = src[y1 * srcW + x0]! * (1 - wx) + src[y1 * srcW + x1]! * wx;
      out[y * dstW + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
