import { OnnxGraphBuilder } from '../onnx/graph-builder.js';
import type { OnnxModelOptions } from '../onnx/graph-builder.js';
import { encodeModelMetadata } from '../onnx/model-metadata.js';
import type { ModelMetadata } from '../onnx/model-metadata.js';
import type { LayerSpec, ModelDescription } from './model-description.js';
import { applyActivation, toChannelsLast } from './export-context.js';
import type { ExportValue } from './export-context.js';
import { exportBatchNorm, exportDense } from './dense-export.js';
import { exportConv2d, exportMaxPool2d, exportUpSampling2d } from './conv-export.js';
import { exportFlatten, exportReshape } from './reshape-export.js';
import { exportLstm } from './lstm-export.js';

/** Options for {@link exportModelToOnnx}. */
export interface ExportOptions {
  /** Name of the graph input (default `'input'`). */
  readonly inputName?: string;
  /** Name of the graph output (default `'output'`). */
  readonly outputName?: string;
  /** Written to the file's `metadata_props`; its `inputs` should describe this model's input. */
  readonly metadata?: ModelMetadata;
  /** Model-level ONNX options (opset, producer, doc string). */
  readonly model?: Omit<OnnxModelOptions, 'metadata'>;
}

/**
 * Appends a sequential stack of layers to a graph, starting from a batch-first value with
 * the given logical shape (without batch). Lets a caller put a front end such as
 * `addLogMelFeatures` before the network in the same graph. The result is channels-last.
 */
export function addLayers(g: OnnxGraphBuilder, input: string, inputShape: readonly number[], layers: readonly LayerSpec[]): ExportValue {
  let x: ExportValue = { name: input, shape: [...inputShape], channelsFirst: false };
  layers.forEach((layer, index) => {
    x = addLayer(g, x, layer, `l${index}_${layer.kind}`);
  });
  return toChannelsLast(g, x);
}

/**
 * Exports a {@link ModelDescription} as ONNX bytes (opset 17) with a symbolic batch
 * dimension: `input [batch, ...inputShape] → output [batch, ...outputShape]`, float32.
 */
export function exportModelToOnnx(description: ModelDescription, options: ExportOptions = {}): Uint8Array {
  const g = new OnnxGraphBuilder('model');
  const input = g.addInput(options.inputName ?? 'input', ['batch', ...description.inputShape]);
  const out = addLayers(g, input, description.inputShape, description.layers);
  const outputName = options.outputName ?? 'output';
  g.addNode('Identity', [out.name], [outputName]);
  g.addOutput(outputName, ['batch', ...out.shape]);
  return g.toModelBytes({
    ...options.model,
    metadata: options.metadata ? encodeModelMetadata(options.metadata) : undefined,
  });
}

function addLayer(g: OnnxGraphBuilder, x: ExportValue, layer: LayerSpec, prefix: string): ExportValue {
  switch (layer.kind) {
    case 'dense':
      return exportDense(g, x, layer, prefix);
    case 'activation':
      return applyActivation(g, x, layer.activation);
    case 'batchNorm':
      return exportBatchNorm(g, x, layer, prefix);
    case 'conv2d':
      return exportConv2d(g, x, layer, prefix);
    case 'maxPool2d':
      return exportMaxPool2d(g, x, layer, prefix);
    case 'upSampling2d':
      return exportUpSampling2d(g, x, layer, prefix);
    case 'flatten':
      return exportFlatten(g, x, layer, prefix);
    case 'reshape':
      return exportReshape(g, x, layer, prefix);
    case 'lstm':
      return exportLstm(g, x, layer, prefix);
  }
}
