/**
 * How a model compares a frame with the healthy baseline of the device that sent it. A
 * model that declares one (metadata `baseline`) takes two more inputs — `baseline`
 * `[N, ...baselineShape(spec)]` and `enrolled` `[N]` (1 when the row's baseline is real) —
 * and outputs `embedding` `[N, embedding]`, the quantity a baseline is fitted from.
 *
 * Why per device: a fleet model must accept every healthy machine of a type, so a fault that
 * keeps a machine inside the fleet's spread (a 1× tone 10 dB up on a quiet fan, a housing
 * 15 °C warmer on a lightly loaded motor) is invisible to it. Compared with its own healthy
 * recordings the same machine stands out; it is how condition monitoring is done in the
 * field (ISO 13373 trending against a baseline, ISO 18434-1 comparative thermography).
 */
export interface BaselineSpec {
  /**
   * `mean`: the baseline is the mean embedding (the model whitens the difference with a
   * covariance learnt across many machines). `subspace`: mean, the `components` main
   * directions healthy frames vary along (load, ambient) and the per-dimension spread left
   * after removing them.
   */
  readonly method: 'mean' | 'subspace';
  /** Length of one `embedding` row. */
  readonly embedding: number;
  /** Directions of variation kept (`subspace` only). */
  readonly components?: number;
  /** Added to the residual spread so a dimension that never moved does not divide by ~0 (`subspace` only). */
  readonly noiseFloor?: number;
  /** Healthy samples a baseline is fitted from (the enrollment size the model was evaluated with). */
  readonly frames: number;
  /**
   * Also fit the device's own threshold from its enrollment samples ({@link DeviceThresholdSpec}).
   * `mean`: the baseline then has a second row holding it; the model's `embedding` must be
   * whitened already, so that the device distance is the plain mean squared difference from the
   * baseline mean — which `fitBaseline` can compute too. `subspace`: needs `distance` and
   * `threshold.logDistanceAtThreshold`; the layout stays the same (see `fitBaseline`).
   */
  readonly threshold?: DeviceThresholdSpec;
  /** `subspace` with a threshold: how the graph turns a frame's residual into its device distance, so `fitBaseline` can compute it. */
  readonly distance?: SubspaceDistanceSpec;
}

/**
 * The graph's subspace device distance: |residual ÷ spread| as a `height × width` map, averaged
 * over `pool × pool` neighbourhoods (stride 1, edges averaged over the pixels inside), then the
 * mean of its `top` largest values (`addSubspaceDeviceDistance` in training).
 */
export interface SubspaceDistanceSpec {
  readonly height: number;
  readonly width: number;
  /** Odd neighbourhood size; 1 = no pooling. */
  readonly pool: number;
  readonly top: number;
}

/**
 * How a device's own threshold is set (see `device-threshold.ts`): from the spread of its
 * enrollment samples, for a target number of false alarms per day at the device's frame rate.
 */
export interface DeviceThresholdSpec {
  /** Frames the device is expected to send per day (e.g. one every 10 s: 8,640). */
  readonly framesPerDay: number;
  /** Healthy frames per day allowed above the threshold (score 0.5). */
  readonly falseAlarmsPerDay: number;
  /**
   * Typical standard deviation of a healthy device's log distance, learnt on training machines:
   * the prior the few enrollment samples' own spread is pooled with.
   */
  readonly priorSpread: number;
  /** Weight of the prior spread, in samples (pseudo-degrees of freedom). */
  readonly priorWeight: number;
  /**
   * `subspace` only: the ln device distance the model's shared device calibration maps to score
   * 0.5. The device's own threshold is put there by scaling its spread row (see `fitBaseline`).
   */
  readonly logDistanceAtThreshold?: number;
  /**
   * `subspace` only: share of the validation cameras' healthy frames (held out from enrollment,
   * later in time) at or below `logDistanceAtThreshold`, e.g. 0.99. With it, a device's own
   * threshold has a floor: the shared one moved to the device's target along the prior spread
   * (`sharedThresholdFloor`), because a few enrollment frames do not show the load and ambient
   * range a camera reaches later, while the shared calibration was measured on such frames.
   */
  readonly sharedQuantile?: number;
}

/** Most enrollment samples a `subspace` baseline is fitted from (its fit is cubic in the count). */
export const MAX_SUBSPACE_FRAMES = 256;

/** Thrown for a baseline spec, or embeddings, that cannot give a baseline. */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

/** Rows × columns of one baseline: `[1, D]` for `mean` (`[2, D]` with a threshold), `[components + 2, D]` for `subspace`. */
export function baselineShape(spec: BaselineSpec): readonly [number, number] {
  if (spec.method === 'mean') return [spec.threshold ? 2 : 1, spec.embedding];
  return [(spec.components ?? 0) + 2, spec.embedding];
}

/** Values in one baseline row of the model input. */
export function baselineLength(spec: BaselineSpec): number {
  const [rows, columns] = baselineShape(spec);
  return rows * columns;
}

/** Throws {@link BaselineError} naming the field unless `value` is a usable spec. */
export function checkBaselineSpec(value: unknown): BaselineSpec {
  const spec = value as Partial<BaselineSpec> | null;
  if (typeof spec !== 'object' || spec === null) throw new BaselineError('baseline must be an object');
  if (spec.method !== 'mean' && spec.method !== 'subspace') throw new BaselineError(`baseline.method must be 'mean' or 'subspace', got ${JSON.stringify(spec.method)}`);
  if (!(Number.isInteger(spec.embedding) && spec.embedding! > 0)) throw new BaselineError(`baseline.embedding must be a positive integer, got ${JSON.stringify(spec.embedding)}`);
  if (!(Number.isInteger(spec.frames) && spec.frames! >= 2)) throw new BaselineError(`baseline.frames must be an integer ≥ 2, got ${JSON.stringify(spec.frames)}`);
  if (spec.method === 'subspace') {
    if (!(Number.isInteger(spec.components) && spec.components! >= 0)) throw new BaselineError(`baseline.components must be an integer ≥ 0, got ${JSON.stringify(spec.components)}`);
    if (spec.frames! <= spec.components! + 1) throw new BaselineError(`baseline.frames (${spec.frames}) must exceed components + 1 (${spec.components! + 1})`);
    if (spec.frames! > MAX_SUBSPACE_FRAMES) throw new BaselineError(`baseline.frames must be at most ${MAX_SUBSPACE_FRAMES} for a subspace baseline, got ${spec.frames}`);
    if (!(typeof spec.noiseFloor === 'number' && spec.noiseFloor > 0)) throw new BaselineError(`baseline.noiseFloor must be a positive number, got ${JSON.stringify(spec.noiseFloor)}`);
  }
  if (spec.threshold !== undefined) {
    checkThresholdSpec(spec.threshold);
    if (spec.method === 'mean' && spec.embedding! < 2) throw new BaselineError('baseline.embedding must be at least 2 to hold a threshold row');
    if (spec.method === 'subspace') {
      if (!Number.isFinite(spec.threshold.logDistanceAtThreshold)) throw new BaselineError('baseline.threshold.logDistanceAtThreshold must be a number for a subspace baseline');
      checkDistanceSpec(spec.distance, spec.embedding!);
      // One sample more than the fit needs, so each held-out fold still leaves enough to fit.
      if (spec.frames! < spec.components! + 3) throw new BaselineError(`baseline.frames (${spec.frames}) must be at least components + 3 (${spec.components! + 3}) to fit a threshold`);
    }
  }
  return spec as BaselineSpec;
}

function checkDistanceSpec(value: unknown, embedding: number): void {
  const d = value as Partial<SubspaceDistanceSpec> | null | undefined;
  if (typeof d !== 'object' || d === null) throw new BaselineError('baseline.distance must be an object for a subspace baseline with a threshold');
  for (const key of ['height', 'width', 'pool', 'top'] as const) {
    if (!(Number.isInteger(d[key]) && d[key]! > 0)) throw new BaselineError(`baseline.distance.${key} must be a positive integer, got ${JSON.stringify(d[key])}`);
  }
  if (d.height! * d.width! !== embedding) throw new BaselineError(`baseline.distance is ${d.height} × ${d.width}, not the embedding's ${embedding} values`);
  if (d.pool! % 2 !== 1) throw new BaselineError(`baseline.distance.pool must be odd, got ${d.pool}`);
  if (d.top! > embedding) throw new BaselineError(`baseline.distance.top (${d.top}) exceeds the embedding's ${embedding} values`);
}

function checkThresholdSpec(value: unknown): void {
  const t = value as Partial<DeviceThresholdSpec> | null;
  if (typeof t !== 'object' || t === null) throw new BaselineError('baseline.threshold must be an object');
  const positive = (key: keyof DeviceThresholdSpec): void => {
    const v = t[key];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new BaselineError(`baseline.threshold.${key} must be a positive number, got ${JSON.stringify(v)}`);
  };
  positive('framesPerDay');
  positive('falseAlarmsPerDay');
  positive('priorSpread');
  positive('priorWeight');
  if (t.sharedQuantile !== undefined && !(typeof t.sharedQuantile === 'number' && t.sharedQuantile > 0 && t.sharedQuantile < 1)) {
    throw new BaselineError(`baseline.threshold.sharedQuantile must be a number strictly between 0 and 1, got ${JSON.stringify(t.sharedQuantile)}`);
  }
  if (t.falseAlarmsPerDay! >= t.framesPerDay!) throw new BaselineError(`baseline.threshold.falseAlarmsPerDay (${t.falseAlarmsPerDay}) must be below framesPerDay (${t.framesPerDay})`);
}
