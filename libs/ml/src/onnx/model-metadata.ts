import { ModelProtoType } from './onnx-schema.js';
import { OnnxDecodeError } from './onnx-errors.js';
import type { BaselineSpec } from '../baseline/baseline-spec.js';
import type { TextFeatureSpec } from '../text/text-feature-spec.js';

/**
 * One output of a classifier: an `ordinal` score whose classes are ordered levels (triage
 * scores 1–5, cost bands) or a `nominal` class (failure mode).
 */
export interface ModelTarget {
  /** Output name, e.g. `availability`; a letter, then letters, digits and `_` (it names graph outputs). */
  readonly name: string;
  readonly kind: 'ordinal' | 'nominal';
  /** Class labels in order; an ordinal target's are its levels, lowest first (`'1'`…`'5'`). */
  readonly classes: readonly string[];
}

/** Name, element type and shape of one model input; `-1` or a string marks a free dimension. */
export interface InputSignature {
  /** Graph input name, e.g. `'pcm'`. */
  readonly name: string;
  /** Element type as onnxruntime names it: `'float32'`, `'int16'`, … */
  readonly type: string;
  /** Dimensions; symbolic ones by name (`'batch'`). */
  readonly shape: readonly (number | string)[];
}

/**
 * What the platform needs to know about a model without running it. Stored in the ONNX
 * file's `metadata_props` (so the file is self-describing on the edge) and mirrored in the
 * registry.
 */
export interface ModelMetadata {
  /** Model family, e.g. `'acoustic'`, `'thermal'`, `'forecast'`. */
  readonly kind: string;
  /** Version string of this artifact, unique within its kind. */
  readonly version: string;
  /** Inputs the graph expects. */
  readonly inputs: readonly InputSignature[];
  /** Audio sample rate in Hz, for acoustic models. */
  readonly sampleRate?: number;
  /** Frame shape the model consumes (audio samples, or thermal height×width). */
  readonly frameShape?: readonly number[];
  /** Decision threshold on the calibrated score. */
  readonly threshold?: number;
  /** Parameters that map a raw score to an anomaly probability, free-form JSON. */
  readonly calibration?: Readonly<Record<string, unknown>>;
  /** Hash identifying the exact training data (generator seed/config or file digest). */
  readonly trainingDataFingerprint?: string;
  /** Evaluation figures (AUC, pAUC, MAE, …). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Present when the model scores frames against a per-device healthy baseline (see `BaselineSpec`). */
  readonly baseline?: BaselineSpec;
  /** What a classifier outputs, in the order of its `scores` columns. */
  readonly targets?: readonly ModelTarget[];
  /** How a text model hashes its string inputs (see `addTextFeatures`). */
  readonly textFeatures?: TextFeatureSpec;
  /**
   * Thermal models: what the `frame` input must hold. `celsius` (the default when absent):
   * absolute °C, as the scene models with per-camera baselines read them. `relative`: any
   * linear intensity scale — 8/16-bit image levels or °C — because the graph standardises
   * each frame itself; an image without a temperature scale can be scored. `levels`: the
   * image's own 8-bit levels (0–255) as recorded, no temperature scale applied — the graph
   * reads their level and contrast too (thermal-ir with a level channel), so no other scale
   * gives the same score.
   */
  readonly thermalInput?: ThermalInput;
  /** Image classifiers beside an anomaly score (thermal-ir): the class names of the `class_probs` output, in order. Text classifiers use `targets`. */
  readonly classes?: readonly string[];
  /** Window models (telemetry, vibration): what one input window holds and how its scores become alarms. */
  readonly window?: WindowContract;
}

/**
 * What a window model needs from the code that feeds it, so a service and the edge agent build
 * identical windows: the channel order, the window length, the sampling step and the alarm rule.
 */
export interface WindowContract {
  /** Sensor keys in the order of the input's last axis. */
  readonly channels: readonly string[];
  /** Rows per window. */
  readonly steps: number;
  /** Seconds between rows (resample to it; fill short gaps), or the sample rate's inverse. */
  readonly stepSeconds: number;
  /** Telemetry: a point alarms once this many consecutive windows score at or above 1 (the `score` output is error ÷ threshold). */
  readonly run?: number;
  /** Model family inside the graph, e.g. `pca-t2q`, `conv-ae`, `spectral-softmax`. */
  readonly family: string;
}

const KEYS = {
  kind: 'kind',
  version: 'version',
  inputs: 'input_signature',
  sampleRate: 'sample_rate',
  frameShape: 'frame_shape',
  threshold: 'threshold',
  calibration: 'calibration',
  trainingDataFingerprint: 'training_data_fingerprint',
  metrics: 'metrics',
  baseline: 'baseline',
  targets: 'targets',
  textFeatures: 'text_features',
  thermalInput: 'thermal_input',
  classes: 'classes',
  window: 'window',
} as const;

/**
 * Flattens metadata to the string map ONNX `metadata_props` holds: plain strings stay as
 * they are, numbers and structured values are JSON.
 */
export function encodeModelMetadata(meta: ModelMetadata): Record<string, string> {
  const out: Record<string, string> = { [KEYS.kind]: meta.kind, [KEYS.version]: meta.version };
  out[KEYS.inputs] = JSON.stringify(meta.inputs);
  if (meta.sampleRate !== undefined) out[KEYS.sampleRate] = JSON.stringify(meta.sampleRate);
  if (meta.frameShape !== undefined) out[KEYS.frameShape] = JSON.stringify(meta.frameShape);
  if (meta.threshold !== undefined) out[KEYS.threshold] = JSON.stringify(meta.threshold);
  if (meta.calibration !== undefined) out[KEYS.calibration] = JSON.stringify(meta.calibration);
  if (meta.trainingDataFingerprint !== undefined) out[KEYS.trainingDataFingerprint] = meta.trainingDataFingerprint;
  if (meta.metrics !== undefined) out[KEYS.metrics] = JSON.stringify(meta.metrics);
  if (meta.baseline !== undefined) out[KEYS.baseline] = JSON.stringify(meta.baseline);
  if (meta.targets !== undefined) out[KEYS.targets] = JSON.stringify(meta.targets);
  if (meta.textFeatures !== undefined) out[KEYS.textFeatures] = JSON.stringify(meta.textFeatures);
  if (meta.thermalInput !== undefined) out[KEYS.thermalInput] = meta.thermalInput;
  if (meta.classes !== undefined) out[KEYS.classes] = JSON.stringify(meta.classes);
  if (meta.window !== undefined) out[KEYS.window] = JSON.stringify(meta.window);
  return out;
}

/** Reads the raw `metadata_props` pairs of an ONNX file. */
export function readMetadataProps(modelBytes: Uint8Array): Record<string, string> {
  let decoded: { metadataProps?: { key?: string; value?: string }[] };
  try {
    decoded = ModelProtoType.toObject(ModelProtoType.decode(modelBytes), { defaults: false }) as typeof decoded;
  } catch (cause) {
    throw new OnnxDecodeError('the bytes are not an ONNX ModelProto (is this the .onnx file?)', { cause });
  }
  const props: Record<string, string> = {};
  for (const { key, value } of decoded.metadataProps ?? []) if (key !== undefined) props[key] = value ?? '';
  return props;
}

/**
 * Reads the {@link ModelMetadata} written by {@link encodeModelMetadata} back from an ONNX
 * file. Throws {@link OnnxDecodeError} if `kind`, `version` or the input signature is missing.
 */
export function readModelMetadata(modelBytes: Uint8Array): ModelMetadata {
  const props = readMetadataProps(modelBytes);
  const kind = props[KEYS.kind];
  const version = props[KEYS.version];
  const inputs = props[KEYS.inputs];
  if (kind === undefined || version === undefined || inputs === undefined) {
    throw new OnnxDecodeError(`model metadata lacks '${KEYS.kind}', '${KEYS.version}' or '${KEYS.inputs}'; was it exported by this library?`);
  }
  const json = <T>(key: string): T | undefined => (props[key] === undefined ? undefined : (JSON.parse(props[key]) as T));
  const meta: ModelMetadata = {
    kind,
    version,
    inputs: JSON.parse(inputs) as InputSignature[],
    sampleRate: json<number>(KEYS.sampleRate),
    frameShape: json<number[]>(KEYS.frameShape),
    threshold: json<number>(KEYS.threshold),
    calibration: json<Record<string, unknown>>(KEYS.calibration),
    trainingDataFingerprint: props[KEYS.trainingDataFingerprint],
    metrics: json<Record<string, number>>(KEYS.metrics),
    baseline: json<BaselineSpec>(KEYS.baseline),
    targets: json<ModelTarget[]>(KEYS.targets),
    textFeatures: json<TextFeatureSpec>(KEYS.textFeatures),
    thermalInput: thermalInput(props[KEYS.thermalInput]),
    classes: json<string[]>(KEYS.classes),
    window: json<WindowContract>(KEYS.window),
  };
  // Drop absent optionals so a round trip compares equal to the original object.
  return Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as unknown as ModelMetadata;
}

/** What a thermal model's `frame` input holds (`ModelMetadata.thermalInput`). */
export type ThermalInput = 'celsius' | 'relative' | 'levels';

function thermalInput(value: string | undefined): ModelMetadata['thermalInput'] {
  if (value === undefined) return undefined;
  if (value !== 'celsius' && value !== 'relative' && value !== 'levels') throw new OnnxDecodeError(`model metadata '${KEYS.thermalInput}' must be 'celsius', 'relative' or 'levels', got '${value}'`);
  return value;
}
