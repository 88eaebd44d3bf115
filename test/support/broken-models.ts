// Models that load in onnxruntime but break the scoring contract, for the registry and
// inference fallback tests.
import { OnnxAttr, OnnxGraphBuilder, encodeModelMetadata } from '@premonitor/ml';

/**
 * A valid thermal ONNX model (hottest-pixel logistic) whose score output is named `anomaly`
 * instead of `score`: onnxruntime loads it, the contract check refuses it.
 */
export function thermalModelWithWrongOutput(version: string, width = 32, height = 24): Uint8Array {
  const g = new OnnxGraphBuilder('thermal_wrong_output');
  const frame = g.addInput('frame', ['batch', height, width]);
  const hottest = g.op('ReduceMax', [frame], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(0) });
  g.addNode('Div', [g.op('Sub', [hottest, g.addInitializer('center', new Float32Array([60]), [])]), g.addInitializer('scale', new Float32Array([5]), [])], ['error']);
  g.addNode('Sigmoid', ['error'], ['anomaly']);
  g.addOutput('anomaly', ['batch']);
  g.addOutput('error', ['batch']);
  return g.toModelBytes({
    metadata: encodeModelMetadata({ kind: 'thermal', version, inputs: [{ name: 'frame', type: 'float32', shape: ['batch', height, width] }], frameShape: [height, width], threshold: 0.5 }),
  });
}
