import { OnnxAttr, OnnxGraphBuilder, addLogMelFeatures, encodeModelMetadata } from '@premonitor/ml';

/** Options of {@link buildAcousticReferenceModel}. */
export interface AcousticReferenceOptions {
  /** Written to the metadata; the registry keys models by it. */
  readonly version: string;
  /** Sample rate the model expects, Hz (default 16000). */
  readonly sampleRate?: number;
  /** Clip length the model expects, seconds (default 1). */
  readonly clipSeconds?: number;
  /** Mean log-mel level (dB) that maps to score 0.5 (default −40). */
  readonly centerDb?: number;
  /** dB per unit of logit (default 5). */
  readonly scaleDb?: number;
}

/** Options of {@link buildThermalReferenceModel}. */
export interface ThermalReferenceOptions {
  readonly version: string;
  /** Frame width × height the model expects (default 32 × 24, MLX90640). */
  readonly width?: number;
  readonly height?: number;
  /** Hottest-pixel °C that maps to score 0.5 (default 60). */
  readonly centerCelsius?: number;
  /** °C per unit of logit (default 5). */
  readonly scaleCelsius?: number;
}

/**
 * A small acoustic model that honours the model I/O contract — input `pcm` float32
 * [N, S] (int16 / 32768), outputs `score` [N] in [0, 1] and `error` [N] — without training:
 * log-mel (in-graph STFT) → mean over time and bands → `error` = (mean dB − center) / scale
 * → `score` = sigmoid(error). Louder clips score higher, deterministically, so services and
 * tests can check their plumbing until (and beside) the trained models.
 */
export function buildAcousticReferenceModel(options: AcousticReferenceOptions): Uint8Array {
  const sampleRate = options.sampleRate ?? 16_000;
  const samples = Math.round(sampleRate * (options.clipSeconds ?? 1));
  const g = new OnnxGraphBuilder('acoustic_reference');
  const pcm = g.addInput('pcm', ['batch', samples]);
  const logMel = addLogMelFeatures(g, pcm, { sampleRate, inputType: 'float32' });
  const level = g.op('ReduceMean', [logMel], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(0) }, 'mean_db');
  addLogisticHead(g, level, options.centerDb ?? -40, options.scaleDb ?? 5);
  return g.toModelBytes({
    docString: 'Premonitor acoustic reference model (untrained: loudness logistic)',
    metadata: encodeModelMetadata({
      kind: 'acoustic',
      version: options.version,
      inputs: [{ name: 'pcm', type: 'float32', shape: ['batch', samples] }],
      sampleRate,
      frameShape: [samples],
      threshold: 0.5,
      calibration: { method: 'logistic', centerDb: options.centerDb ?? -40, scaleDb: options.scaleDb ?? 5 },
      trainingDataFingerprint: 'none:reference-model',
    }),
  });
}

/**
 * A thermal model that honours the contract — input `frame` float32 [N, H, W] in °C,
 * outputs `score` and `error` [N] — as a fixed rule: `error` = (hottest pixel − center) /
 * scale, `score` = sigmoid(error).
 */
export function buildThermalReferenceModel(options: ThermalReferenceOptions): Uint8Array {
  const width = options.width ?? 32;
  const height = options.height ?? 24;
  const g = new OnnxGraphBuilder('thermal_reference');
  const frame = g.addInput('frame', ['batch', height, width]);
  const hottest = g.op('ReduceMax', [frame], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(0) }, 'max_celsius');
  addLogisticHead(g, hottest, options.centerCelsius ?? 60, options.scaleCelsius ?? 5);
  return g.toModelBytes({
    docString: 'Premonitor thermal reference model (untrained: hottest-pixel logistic)',
    metadata: encodeModelMetadata({
      kind: 'thermal',
      version: options.version,
      inputs: [{ name: 'frame', type: 'float32', shape: ['batch', height, width] }],
      frameShape: [height, width],
      threshold: 0.5,
      calibration: { method: 'logistic', centerCelsius: options.centerCelsius ?? 60, scaleCelsius: options.scaleCelsius ?? 5 },
      trainingDataFingerprint: 'none:reference-model',
    }),
  });
}

/** `error` = (x − center) / scale, `score` = sigmoid(error), both [N]. */
function addLogisticHead(g: OnnxGraphBuilder, x: string, center: number, scale: number): void {
  const shifted = g.op('Sub', [x, g.addInitializer(g.uniqueName('center'), new Float32Array([center]), [])]);
  g.addNode('Div', [shifted, g.addInitializer(g.uniqueName('scale'), new Float32Array([scale]), [])], ['error']);
  g.addNode('Sigmoid', ['error'], ['score']);
  g.addOutput('score', ['batch']);
  g.addOutput('error', ['batch']);
}

/** The reference models' rule, in plain JS, for tests that check scores: sigmoid((x − center) / scale). */
export function logistic(x: number, center: number, scale: number): number {
  return 1 / (1 + Math.exp(-(x - center) / scale));
}
