import { BaselineError, baselineLength, baselineShape, type BaselineSpec } from './baseline-spec.js';

/** The two extra inputs of a model with a baseline, for one run of `rows` rows. */
export interface BaselineFeed {
  /** `[rows, ...baselineShape(spec)]` row-major: each row's device baseline, zeros where it has none. */
  readonly baseline: Float32Array;
  /** `[rows]`: 1 where the row's baseline is real, 0 where the row is scored against the fleet. */
  readonly enrolled: Float32Array;
}

/**
 * Packs one baseline per row (undefined = not enrolled) into the model's `baseline` and
 * `enrolled` inputs. The inference service, the edge agent and the training evaluation feed
 * the same layout, so a model scores a row the same way wherever it runs.
 */
export function packBaselineFeed(spec: BaselineSpec, perRow: readonly (Float32Array | undefined)[]): BaselineFeed {
  const length = baselineLength(spec);
  const baseline = new Float32Array(perRow.length * length);
  const enrolled = new Float32Array(perRow.length);
  perRow.forEach((b, i) => {
    if (!b) return;
    if (b.length !== length) throw new BaselineError(`a baseline of ${b.length} values does not fit the model's ${baselineShape(spec).join('×')}`);
    baseline.set(b, i * length);
    enrolled[i] = 1;
  });
  return { baseline, enrolled };
}
