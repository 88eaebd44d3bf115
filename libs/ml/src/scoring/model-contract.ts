import { readModelMetadata, type ModelMetadata } from '../onnx/model-metadata.js';
import { BaselineError, baselineShape, checkBaselineSpec, type BaselineSpec } from '../baseline/baseline-spec.js';
import { ModelContractError } from './scoring-errors.js';

/** The frame kinds scored by an anomaly model; each has one I/O contract. */
export const SCORING_KINDS = ['acoustic', 'thermal'] as const;
export type ScoringKind = (typeof SCORING_KINDS)[number];

/** True when `kind` has a scoring contract (forecast models, for one, do not). */
export function isScoringKind(kind: string): kind is ScoringKind {
  return (SCORING_KINDS as readonly string[]).includes(kind);
}

/** The metadata of a scoring model, checked: kind, frame shape and (acoustic) sample rate are known. */
export type ScoringMetadata = ModelMetadata & { readonly kind: ScoringKind; readonly frameShape: readonly number[] };

/** A dimension in the contract: the batch (symbolic or dynamic in the file) or a fixed size. */
export type ContractDim = 'batch' | number;

/** One tensor the contract names. */
export interface ContractTensor {
  readonly name: string;
  /** Always float32 today; named so a message can say what was expected. */
  readonly type: 'float32';
  readonly shape: readonly ContractDim[];
}

/** What a session reports about one input or output (onnxruntime's `ValueMetadata`, structurally). */
export type IoDescription = { readonly name: string; readonly isTensor: false } | { readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: ReadonlyArray<number | string> };

const INPUT_NAME: Record<ScoringKind, string> = { acoustic: 'pcm', thermal: 'frame' };

/** Bounds on what a metadata may declare, so a model cannot ask the service for absurd inputs. */
const SAMPLE_RATE_RANGE = [8_000, 96_000] as const;
const MAX_CLIP_SAMPLES = 96_000 * 10;
const MAX_FRAME_SIDE = 1_024;

/** The name of a `kind` model's frame input: `pcm` (int16 / 32768, [N, S]) or `frame` ([N, H, W]: °C, or any linear scale for a `thermal_input: relative` model). */
export function scoringInputName(kind: ScoringKind): string {
  return INPUT_NAME[kind];
}

/**
 * Reads a model's metadata and checks the part of the contract it carries: the kind, a
 * `frame_shape` of `[samples]` (acoustic) or `[height, width]` (thermal) within bounds, a
 * `sample_rate` of 8–96 kHz for audio, a threshold in (0, 1) when given, a valid baseline spec.
 * Throws {@link ModelContractError} naming the first problem.
 */
export function readScoringMetadata(bytes: Uint8Array, kind: ScoringKind): ScoringMetadata {
  let meta: ModelMetadata;
  try {
    meta = readModelMetadata(bytes);
  } catch (cause) {
    throw new ModelContractError(`the file is not an ONNX model with readable Premonitor metadata: ${(cause as Error).message}`, { cause });
  }
  const problems = metadataProblems(meta, kind);
  if (problems.length > 0) throw new ModelContractError(`model ${meta.version}: ${problems.join('; ')}`);
  return meta as ScoringMetadata;
}

function metadataProblems(meta: ModelMetadata, kind: ScoringKind): string[] {
  if (meta.kind !== kind) return [`it is a '${meta.kind}' model, not a '${kind}' one`];
  const problems: string[] = [];
  if (!(typeof meta.version === 'string' && meta.version.length >= 1 && meta.version.length <= 64)) problems.push('metadata version must be 1–64 characters');
  const shape = meta.frameShape;
  const rank = kind === 'acoustic' ? 1 : 2;
  const max = kind === 'acoustic' ? MAX_CLIP_SAMPLES : MAX_FRAME_SIDE;
  if (!Array.isArray(shape) || shape.length !== rank || shape.some((d) => !Number.isInteger(d) || d < 1 || d > max)) {
    problems.push(`metadata frame_shape must be ${kind === 'acoustic' ? `[samples ≤ ${max}]` : `[height, width], each ≤ ${max}`}, got ${JSON.stringify(shape)}`);
  }
  if (kind === 'acoustic' && !(Number.isInteger(meta.sampleRate) && meta.sampleRate! >= SAMPLE_RATE_RANGE[0] && meta.sampleRate! <= SAMPLE_RATE_RANGE[1])) {
    problems.push(`metadata sample_rate must be an integer of ${SAMPLE_RATE_RANGE[0]}–${SAMPLE_RATE_RANGE[1]} Hz, got ${JSON.stringify(meta.sampleRate)}`);
  }
  if (meta.threshold !== undefined && !(typeof meta.threshold === 'number' && meta.threshold > 0 && meta.threshold < 1)) {
    problems.push(`metadata threshold must be in (0, 1), got ${JSON.stringify(meta.threshold)}`);
  }
  if (meta.baseline !== undefined) {
    try {
      checkBaselineSpec(meta.baseline);
    } catch (err) {
      if (!(err instanceof BaselineError)) throw err;
      problems.push(`metadata ${err.message}`);
    }
  }
  return problems;
}

/**
 * The tensors a model of this metadata must take and give. Every model: the frame input
 * ([batch, S] or [batch, H, W]) → `score` [batch] (calibrated probability in [0, 1]) and
 * `error` [batch]. A model with a baseline also takes `baseline` [batch, rows, D] and
 * `enrolled` [batch], and gives `fleet_score` [batch] and `embedding` [batch, D].
 */
export function contractTensors(meta: ScoringMetadata): { readonly inputs: readonly ContractTensor[]; readonly outputs: readonly ContractTensor[] } {
  const t = (name: string, ...shape: ContractDim[]): ContractTensor => ({ name, type: 'float32', shape: ['batch', ...shape] });
  const spec: BaselineSpec | undefined = meta.baseline;
  const inputs = [t(INPUT_NAME[meta.kind], ...meta.frameShape)];
  const outputs = [t('score'), t('error')];
  if (spec) {
    inputs.push(t('baseline', ...baselineShape(spec)), t('enrolled'));
    outputs.push(t('fleet_score'), t('embedding', spec.embedding));
  }
  return { inputs, outputs };
}

/**
 * Compares what a session declares with the contract: every contract input and output
 * present, float32, of the right rank, a batch dimension that is symbolic or dynamic (a
 * fixed one would refuse micro-batches), fixed dimensions equal to the metadata's. An input
 * the contract does not know is a problem too: the service could not feed it. Extra outputs
 * are allowed. An empty declared shape means "not declared" and is left to the reference run.
 * Returns the problems, empty when the I/O matches.
 */
export function checkScoringIo(meta: ScoringMetadata, inputs: readonly IoDescription[], outputs: readonly IoDescription[]): string[] {
  const expected = contractTensors(meta);
  const problems = [
    ...expected.inputs.flatMap((c) => tensorProblems('input', c, inputs.find((i) => i.name === c.name))),
    ...expected.outputs.flatMap((c) => tensorProblems('output', c, outputs.find((o) => o.name === c.name))),
  ];
  for (const input of inputs) {
    if (!expected.inputs.some((c) => c.name === input.name)) problems.push(`input '${input.name}' is not part of the ${meta.kind} contract (inputs: ${expected.inputs.map((c) => c.name).join(', ')})`);
  }
  return problems;
}

function tensorProblems(role: 'input' | 'output', contract: ContractTensor, actual: IoDescription | undefined): string[] {
  const what = `${role} '${contract.name}'`;
  if (!actual) return [`${what} is missing`];
  if (!actual.isTensor) return [`${what} is not a tensor`];
  if (actual.type !== contract.type) return [`${what} is ${actual.type}, not ${contract.type}`];
  if (actual.shape.length === 0) return [];
  const expected = `[${contract.shape.join(', ')}]`;
  if (actual.shape.length !== contract.shape.length) return [`${what} has shape [${actual.shape.join(', ')}], not ${expected}`];
  const problems: string[] = [];
  contract.shape.forEach((dim, i) => {
    const got = actual.shape[i]!;
    const free = typeof got === 'string' || got < 0;
    if (dim === 'batch' && !free) problems.push(`${what} has a fixed batch dimension ${got}; it must be symbolic (e.g. 'batch') so frames can be batched`);
    if (typeof dim === 'number' && !free && got !== dim) problems.push(`${what} dimension ${i} is ${got}, the metadata implies ${dim} (shape ${expected})`);
  });
  return problems;
}
