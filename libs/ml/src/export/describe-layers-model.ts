import type { LayersModel } from '@tensorflow/tfjs';
import type { ActivationName, LayerSpec, ModelDescription, PaddingMode } from './model-description.js';
import { ModelExportError, UnsupportedLayerError } from './export-errors.js';

type TfLayer = LayersModel['layers'][number];
type Config = ReturnType<TfLayer['getConfig']>;

const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'];

/** Layers that are the identity at inference time and are dropped from the export. */
const INFERENCE_IDENTITY = new Set(['InputLayer', 'Dropout', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D']);

/**
 * Reads a trained tfjs model into a framework-free {@link ModelDescription}: weights are
 * copied out of the tensors, so the description stays valid after the model is disposed.
 *
 * Only a single chain of layers is supported (a `tf.sequential`, or a functional model
 * whose layers each feed the next); other topologies throw {@link UnsupportedLayerError}.
 * Only the type is imported from tfjs, so using this does not load tfjs.
 */
export function describeLayersModel(model: LayersModel): ModelDescription {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedLayerError(`only single-input, single-output models export; '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs`);
  }
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.some((d) => d === null)) {
    throw new ModelExportError(`the input shape [${inputShape.join(', ')}] must be fully known apart from the batch axis`);
  }
  const layers: LayerSpec[] = [];
  let previous: TfLayer | undefined;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (previous !== undefined && layer.input !== previous.output) {
      throw new UnsupportedLayerError(`layer '${layer.name}' does not take the output of '${previous.name}'; only chains of layers export`);
    }
    previous = layer;
    if (INFERENCE_IDENTITY.has(className)) continue;
    layers.push(describeLayer(layer, className));
  }
  return { inputShape: inputShape as number[], layers };
}

function describeLayer(layer: TfLayer, className: string): LayerSpec {
  const config = layer.getConfig();
  const weights = layer.getWeights().map((t) => Float32Array.from(t.dataSync()));
  const at = (i: number): Float32Array => {
    const w = weights[i];
    if (w === undefined) throw new ModelExportError(`layer '${layer.name}' has ${weights.length} weight tensors; expected more (is it built?)`);
    return w;
  };
  const optional = (present: boolean, i: number): Float32Array | undefined => (present ? at(i) : undefined);
  switch (className) {
    case 'Dense':
      return { kind: 'dense', units: num(config, 'units'), kernel: at(0), bias: optional(bool(config, 'useBias'), 1), activation: activation(config, 'activation') };
    case 'Activation':
      return { kind: 'activation', activation: activation(config, 'activation') };
    case 'ReLU':
      return { kind: 'activation', activation: 'relu' };
    case 'BatchNormalization': {
      const axis = config['axis'];
      const rank = Array.isArray(layer.input) ? 0 : layer.input.shape.length;
      if (axis !== -1 && axis !== rank - 1) {
        throw new UnsupportedLayerError(`batch normalisation of '${layer.name}' must be over the last axis, got ${JSON.stringify(axis)}`);
      }
      const scale = bool(config, 'scale');
      const center = bool(config, 'center');
      let i = 0;
      const gamma = scale ? at(i++) : undefined;
      const beta = center ? at(i++) : undefined;
      return { kind: 'batchNorm', gamma, beta, movingMean: at(i), movingVariance: at(i + 1), epsilon: num(config, 'epsilon') };
    }
    case 'Conv2D':
      channelsLast(config, layer.name);
      return {
        kind: 'conv2d',
        filters: num(config, 'filters'),
        kernelSize: pair(config, 'kernelSize'),
        strides: pair(config, 'strides'),
        dilations: pair(config, 'dilationRate'),
        padding: padding(config, layer.name),
        kernel: at(0),
        bias: optional(bool(config, 'useBias'), 1),
        activation: activation(config, 'activation'),
      };
    case 'MaxPooling2D':
      channelsLast(config, layer.name);
      return { kind: 'maxPool2d', poolSize: pair(config, 'poolSize'), strides: pair(config, 'strides'), padding: padding(config, layer.name) };
    case 'UpSampling2D':
      channelsLast(config, layer.name);
      if (config['interpolation'] !== undefined && config['interpolation'] !== 'nearest') {
        throw new UnsupportedLayerError(`'${layer.name}': only nearest upsampling exports, got '${String(config['interpolation'])}'`);
      }
      return { kind: 'upSampling2d', size: pair(config, 'size') };
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Reshape':
      return { kind: 'reshape', targetShape: numbers(config, 'targetShape') };
    case 'LSTM':
      if (config['goBackwards'] === true || config['stateful'] === true) {
        throw new UnsupportedLayerError(`'${layer.name}': goBackwards and stateful LSTMs do not export`);
      }
      return {
        kind: 'lstm',
        units: num(config, 'units'),
        kernel: at(0),
        recurrentKernel: at(1),
        bias: optional(bool(config, 'useBias'), 2),
        activation: activation(config, 'activation'),
        recurrentActivation: activation(config, 'recurrentActivation'),
        returnSequences: config['returnSequences'] === true,
      };
    default:
      throw new UnsupportedLayerError(`layer '${layer.name}' of class ${className} has no ONNX export`);
  }
}

function num(config: Config, key: string): number {
  const v = config[key];
  if (typeof v !== 'number') throw new ModelExportError(`layer config '${key}' should be a number, got ${JSON.stringify(v)}`);
  return v;
}

function numbers(config: Config, key: string): number[] {
  const v = config[key];
  if (Array.isArray(v) && v.every((d) => typeof d === 'number')) return v as number[];
  throw new ModelExportError(`layer config '${key}' should be a list of numbers, got ${JSON.stringify(v)}`);
}

function bool(config: Config, key: string): boolean {
  return config[key] !== false;
}

function pair(config: Config, key: string): [number, number] {
  const v = config[key];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number')) return [v[0] as number, v[1] as number];
  throw new ModelExportError(`layer config '${key}' should be a number or a pair, got ${JSON.stringify(v)}`);
}

function activation(config: Config, key: string): ActivationName {
  const v = config[key] ?? 'linear';
  if (typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v)) return v as ActivationName;
  throw new UnsupportedLayerError(`activation ${JSON.stringify(v)} has no ONNX export; use one of ${ACTIVATIONS.join(', ')}`);
}

function padding(config: Config, layerName: string): PaddingMode {
  const v = config['padding'];
  if (v === 'same' || v === 'valid') return v;
  throw new UnsupportedLayerError(`'${layerName}': padding ${JSON.stringify(v)} does not export; use 'same' or 'valid'`);
}

function channelsLast(config: Config, layerName: string): void {
  if (config['dataFormat'] !== undefined && config['dataFormat'] !== 'channelsLast') {
    throw new UnsupportedLayerError(`'${layerName}': only channelsLast image layers export`);
  }
}
