import type { RandomSource } from '@premonitor/ml/data';

/** What training may do to an image; nothing that changes its class. */
export interface AugmentationPlan {
  /** Mirror left–right and top–bottom at random: a module is symmetric, its faults need not be placed. */
  readonly flips: boolean;
  /** Largest shift in pixels along each axis (edges repeat), for crops that are not centred. */
  readonly maxShift: number;
  /** Standard deviation of added Gaussian noise, in units of the image's own spread. */
  readonly noise: number;
}

/**
 * One random variant of a standardised `height × width` image. Brightness and contrast are not
 * varied: the standardisation inside the model removes any linear change of intensity, so it
 * would teach nothing.
 */
export function augmentFrame(image: Float32Array, height: number, width: number, plan: AugmentationPlan, random: RandomSource, out = new Float32Array(image.length)): Float32Array {
  const flipX = plan.flips && random.next() < 0.5;
  const flipY = plan.flips && random.next() < 0.5;
  const shift = (): number => (plan.maxShift > 0 ? Math.floor(random.next() * (2 * plan.maxShift + 1)) - plan.maxShift : 0);
  const dy = shift();
  const dx = shift();
  for (let y = 0; y < height; y++) {
    const sy = clamp((flipY ? height - 1 - y : y) + dy, height);
    for (let x = 0; x < width; x++) {
      const sx = clamp((flipX ? width - 1 - x : x) + dx, width);
      out[y * width + x] = image[sy * width + sx]!;
    }
  }
  if (plan.noise > 0) {
    for (let i = 0; i < out.length; i += 2) {
      // Box–Muller: two normal draws per two uniforms.
      const r = Math.sqrt(-2 * Math.log(1 - random.next())) * plan.noise;
      const t = 2 * Math.PI * random.next();
      out[i] = out[i]! + r * Math.cos(t);
      if (i + 1 < out.length) out[i + 1] = out[i + 1]! + r * Math.sin(t);
    }
  }
  return out;
}

function clamp(v: number, size: number): number {
  return v < 0 ? 0 : v >= size ? size - 1 : v;
}
