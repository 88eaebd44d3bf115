import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OnnxGraphBuilder, type OnnxDim } from '../onnx/graph-builder.js';
import { OnnxAttr } from '../onnx/onnx-attribute.js';
import { OnnxDataType } from '../onnx/onnx-schema.js';
import { encodeModelMetadata } from '../onnx/model-metadata.js';
import { checkScoringModel } from './check-scoring-model.js';
import { checkScoringIo, readScoringMetadata, type IoDescription } from './model-contract.js';
import { ModelContractError } from './scoring-errors.js';

const MODELS = new URL('../../../../models/', import.meta.url);

interface ThermalOptions {
  readonly scoreName?: string;
  readonly batch?: OnnxDim;
  /** Sigmoid head (a calibrated probability); without it the score is the raw logit. */
  readonly sigmoid?: boolean;
  /** sqrt(hottest − 1000): NaN for every plausible frame. */
  readonly nan?: boolean;
  readonly graphShape?: readonly [number, number];
  readonly metaShape?: readonly [number, number];
  readonly kind?: string;
  readonly inputType?: typeof OnnxDataType.FLOAT | typeof OnnxDataType.INT16;
}

/** A hottest-pixel logistic thermal model, with one thing made wrong at a time. */
function thermalModel(o: ThermalOptions = {}): Uint8Array {
  const [h, w] = o.graphShape ?? [24, 32];
  const g = new OnnxGraphBuilder('thermal_spec');
  const frame = g.addInput('frame', [o.batch ?? 'batch', h, w], o.inputType ?? OnnxDataType.FLOAT);
  const asFloat = o.inputType === OnnxDataType.INT16 ? g.op('Cast', [frame], { to: OnnxAttr.int(OnnxDataType.FLOAT) }) : frame;
  let x = g.op('ReduceMax', [asFloat], { axes: OnnxAttr.ints([1, 2]), keepdims: OnnxAttr.int(0) });
  if (o.nan) x = g.op('Sqrt', [g.op('Sub', [x, g.addInitializer('thousand', new Float32Array([1000]), [])])]);
  g.addNode('Div', [g.op('Sub', [x, g.addInitializer('center', new Float32Array([60]), [])]), g.addInitializer('scale', new Float32Array([5]), [])], ['error']);
  g.addNode(o.sigmoid === false ? 'Identity' : 'Sigmoid', ['error'], [o.scoreName ?? 'score']);
  g.addOutput(o.scoreName ?? 'score', [o.batch ?? 'batch']);
  g.addOutput('error', [o.batch ?? 'batch']);
  const [mh, mw] = o.metaShape ?? [h, w];
  return g.toModelBytes({
    metadata: encodeModelMetadata({ kind: o.kind ?? 'thermal', version: 'spec-1', inputs: [{ name: 'frame', type: 'float32', shape: ['batch', mh, mw] }], frameShape: [mh, mw], threshold: 0.5 }),
  });
}

const failed = (outcome: Awaited<ReturnType<typeof checkScoringModel>>): string => {
  assert.equal(outcome.status, 'failed', 'the check refuses the model');
  return outcome.status === 'failed' ? outcome.reason : '';
};

test('the shipped models pass: contract I/O, and the reference batch against the fleet and a fitted baseline', async () => {
  for (const [file, kind] of [['acoustic.onnx', 'acoustic'], ['acoustic.int8.onnx', 'acoustic'], ['thermal.onnx', 'thermal'], ['thermal-ir.onnx', 'thermal']] as const) {
    const outcome = await checkScoringModel(new Uint8Array(readFileSync(new URL(file, MODELS))), kind);
    assert.equal(outcome.status, 'passed', `${file}: ${JSON.stringify(outcome)}`);
  }
  assert.equal((await checkScoringModel(thermalModel(), 'thermal')).status, 'passed', 'a well-formed fleet-only model');
});

test('refuses a valid ONNX whose output has another name, saying which output is missing', async () => {
  assert.match(failed(await checkScoringModel(thermalModel({ scoreName: 'anomaly' }), 'thermal')), /output 'score' is missing/);
});

test('refuses a fixed batch dimension, a frame shape that disagrees with the metadata and an int16 input', async () => {
  assert.match(failed(await checkScoringModel(thermalModel({ batch: 1 }), 'thermal')), /input 'frame' has a fixed batch dimension 1/);
  assert.match(failed(await checkScoringModel(thermalModel({ graphShape: [12, 16], metaShape: [24, 32] }), 'thermal')), /input 'frame' dimension 1 is 12, the metadata implies 24/);
  assert.match(failed(await checkScoringModel(thermalModel({ inputType: OnnxDataType.INT16 }), 'thermal')), /input 'frame' is int16, not float32/);
});

test('refuses scores outside [0, 1] and non-finite outputs on the reference batch, naming the frame', async () => {
  assert.match(failed(await checkScoringModel(thermalModel({ sigmoid: false }), 'thermal')), /score -?[\d.]+ of reference frame '[^']+' is outside \[0, 1\]/);
  assert.match(failed(await checkScoringModel(thermalModel({ nan: true }), 'thermal')), /score NaN of reference frame 'uniform 22 °C' is not finite/);
});

test('refuses metadata of another kind, and bytes that are not a model at all', async () => {
  assert.match(failed(await checkScoringModel(thermalModel({ kind: 'acoustic' }), 'thermal')), /'acoustic' model, not a 'thermal' one/);
  assert.match(failed(await checkScoringModel(new TextEncoder().encode('not onnx'), 'acoustic')), /not an ONNX model/);
  assert.throws(() => readScoringMetadata(thermalModel({ metaShape: [0, 32] }), 'thermal'), (e: unknown) => e instanceof ModelContractError && /frame_shape/.test(e.message));
});

test('I/O check: symbolic or dynamic batch dims pass, undeclared shapes are left to the reference run, unknown inputs are refused', () => {
  const meta = readScoringMetadata(thermalModel(), 'thermal');
  const tensor = (name: string, ...shape: (number | string)[]): IoDescription => ({ name, isTensor: true, type: 'float32', shape });
  const outputs = [tensor('score', 'N'), tensor('error', -1)];
  assert.deepEqual(checkScoringIo(meta, [tensor('frame', -1, 24, 32)], outputs), []);
  assert.deepEqual(checkScoringIo(meta, [tensor('frame')], outputs), [], 'no declared shape');
  assert.deepEqual(checkScoringIo(meta, [tensor('frame', 'b', 'h', 'w')], outputs), [], 'symbolic frame dims');
  assert.deepEqual(checkScoringIo(meta, [tensor('frame', 'b', 24, 32), tensor('gain', 'b')], outputs), ["input 'gain' is not part of the thermal contract (inputs: frame)"]);
  assert.deepEqual(checkScoringIo(meta, [tensor('frame', 'b', 24, 32)], [tensor('score', 'b', 2), { name: 'error', isTensor: false }]), ["output 'score' has shape [b, 2], not [batch]", "output 'error' is not a tensor"]);
});
