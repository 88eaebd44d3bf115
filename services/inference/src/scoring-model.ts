import type { FrameKind } from '@premonitor/contracts';
import type { BaselineFeed, BaselineSpec, ThermalInput } from '@premonitor/ml';
import type { ScoringOutputs } from '@premonitor/ml/scoring';

/** Outputs of one model run, one value per input row (the contract's, from `@premonitor/ml/scoring`). */
export type ModelOutputs = ScoringOutputs;

/**
 * A loaded model as the service uses it: the port the ONNX adapter implements, so the
 * consumer, the hot swap and the upload endpoint never see onnxruntime types.
 */
export interface ScoringModel {
  readonly kind: FrameKind;
  readonly version: string;
  /** Address of the artifact it was loaded from. */
  readonly sha256: string;
  /** One input row's shape: `[samples]` (acoustic) or `[height, width]` (thermal). */
  readonly frameShape: readonly number[];
  /** Acoustic only: the sample rate the model expects, Hz. */
  readonly sampleRate: number | undefined;
  /** Decision threshold on the score, when the model declares one. */
  readonly threshold: number | undefined;
  /** How the model compares a frame with its device's baseline; undefined for a fleet-only model. */
  readonly baseline: BaselineSpec | undefined;
  /**
   * Thermal models: `celsius` (absolute °C, the scene models; the default) or `relative` (any
   * linear intensity scale: the graph standardises each frame, so images without a temperature
   * scale can be scored). Undefined for acoustic models.
   */
  readonly thermalInput?: ThermalInput;
  /**
   * Runs `rows` inputs packed row-major in `input` (`rows × product(frameShape)` values)
   * in one call. A model with a baseline takes each row's baseline in `baselines`; without
   * it every row is scored against the fleet.
   */
  run(input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ModelOutputs>;
  /** Frees the native session; call only when no run is in flight. */
  release(): Promise<void>;
}
