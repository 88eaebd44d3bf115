import { ModelProtoType, OnnxAttributeType, OnnxDataType } from './onnx-schema.js';
import type { OnnxDataTypeCode } from './onnx-schema.js';
import type { OnnxAttribute, OnnxAttributes } from './onnx-attribute.js';
import { OnnxGraphError } from './onnx-errors.js';

/** A graph input or output dimension: a fixed size, or a symbolic name such as `'batch'`. */
export type OnnxDim = number | string;

/** Options for {@link OnnxGraphBuilder.toModelBytes}. */
export interface OnnxModelOptions {
  /** Default opset of the `ai.onnx` domain; 17 is the first with `STFT`. */
  readonly opsetVersion?: number;
  /** ONNX IR version; 8 is what opset 17 was released with. */
  readonly irVersion?: number;
  /**
   * Opset versions of further operator domains the graph uses, e.g. `{ 'ai.onnx.ml': 3,
   * 'com.microsoft': 1 }`. A node of a domain missing here is refused when the bytes are written.
   */
  readonly domainOpsets?: Readonly<Record<string, number>>;
  /** Written to `producer_name`. */
  readonly producerName?: string;
  /** Written to `producer_version`. */
  readonly producerVersion?: string;
  /** Human-readable description written to the model's `doc_string`. */
  readonly docString?: string;
  /** String pairs written to `metadata_props`; see `encodeModelMetadata`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

interface ValueInfo {
  readonly name: string;
  readonly elemType: OnnxDataTypeCode;
  readonly shape: readonly OnnxDim[];
}

interface TensorInit {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: OnnxDataTypeCode;
  readonly rawData?: Uint8Array;
  readonly stringData?: readonly Uint8Array[];
}

interface NodeInit {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute: readonly object[];
}

/**
 * Builds one ONNX graph node by node and serialises it as a `ModelProto`.
 * Nodes must be added in topological order (each input defined before use), which is the
 * order ONNX requires in the file.
 */
export class OnnxGraphBuilder {
  readonly #graphName: string;
  readonly #inputs: ValueInfo[] = [];
  readonly #outputs: ValueInfo[] = [];
  readonly #initializers: TensorInit[] = [];
  readonly #nodes: NodeInit[] = [];
  /** Every name handed out or defined; {@link uniqueName} never repeats one. */
  readonly #names = new Set<string>();
  /** Names that some input, initializer or node output actually defines. */
  readonly #defined = new Set<string>();
  readonly #counters = new Map<string, number>();

  constructor(graphName = 'main') {
    this.#graphName = graphName;
  }

  /**
   * A tensor name not used yet in this graph, derived from `prefix` (`dense_0`, `dense_1`, …).
   * The name is reserved; define it by passing it to an `add…` method.
   */
  uniqueName(prefix: string): string {
    let n = this.#counters.get(prefix) ?? 0;
    let name = `${prefix}_${n}`;
    while (this.#names.has(name)) name = `${prefix}_${++n}`;
    this.#counters.set(prefix, n + 1);
    this.#names.add(name);
    return name;
  }

  /** Declares a graph input; string dims (e.g. `'batch'`) stay symbolic. Returns its name. */
  addInput(name: string, shape: readonly OnnxDim[], elemType: OnnxDataTypeCode = OnnxDataType.FLOAT): string {
    this.#claim(name);
    this.#inputs.push({ name, shape: [...shape], elemType });
    return name;
  }

  /** Declares an existing value as a graph output with the given (possibly symbolic) shape. */
  addOutput(name: string, shape: readonly OnnxDim[], elemType: OnnxDataTypeCode = OnnxDataType.FLOAT): string {
    this.#outputs.push({ name, shape: [...shape], elemType });
    return name;
  }

  /** Adds a float32 constant tensor (stored row-major in `raw_data`). Returns its name. */
  addInitializer(name: string, data: Float32Array, dims: readonly number[]): string {
    this.#checkLength(name, data.length, dims);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    // ONNX requires little-endian raw_data whatever the host byte order.
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
    return this.#pushInitializer(name, dims, OnnxDataType.FLOAT, bytes);
  }

  /** Adds an int64 constant tensor, as needed for shapes, axes, steps. Returns its name. */
  addInt64Initializer(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    this.#checkLength(name, values.length, dims);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    return this.#pushInitializer(name, dims, OnnxDataType.INT64, bytes);
  }

  /** Adds a string constant tensor (UTF-8 in `string_data`), e.g. a separator or a padding value. */
  addStringInitializer(name: string, values: readonly string[], dims: readonly number[] = [values.length]): string {
    this.#checkLength(name, values.length, dims);
    this.#claim(name);
    const encoder = new TextEncoder();
    this.#initializers.push({ name, dims: [...dims], dataType: OnnxDataType.STRING, stringData: values.map((v) => encoder.encode(v)) });
    return name;
  }

  /**
   * Appends a node, of the default `ai.onnx` domain unless `domain` names another (declare its
   * opset in {@link OnnxModelOptions.domainOpsets}). Output names must not be defined yet
   * (see {@link uniqueName}); an empty input name means an omitted optional input.
   * Returns the output names for chaining.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: OnnxAttributes = {},
    domain = '',
  ): readonly string[] {
    for (const output of outputs) this.#claim(output);
    this.#nodes.push({
      opType,
      domain,
      name: `${opType}_${this.#nodes.length}`,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attributes).map(([key, attr]) => encodeAttribute(key, attr)),
    });
    return outputs;
  }

  /** Shorthand for a single-output node whose output gets a fresh name from `prefix`. */
  op(opType: string, inputs: readonly string[], attributes: OnnxAttributes = {}, prefix = opType.toLowerCase()): string {
    const out = this.uniqueName(prefix);
    this.addNode(opType, inputs, [out], attributes);
    return out;
  }

  /** {@link op} for a node of another operator domain (`'ai.onnx.ml'`, `'com.microsoft'`). */
  domainOp(domain: string, opType: string, inputs: readonly string[], attributes: OnnxAttributes = {}, prefix = opType.toLowerCase()): string {
    const out = this.uniqueName(prefix);
    this.addNode(opType, inputs, [out], attributes, domain);
    return out;
  }

  /** Serialises the graph as ONNX `ModelProto` bytes, ready for onnxruntime or a file. */
  toModelBytes(options: OnnxModelOptions = {}): Uint8Array {
    if (this.#outputs.length === 0) throw new OnnxGraphError('the graph has no outputs: call addOutput() for at least one value');
    const domainOpsets = options.domainOpsets ?? {};
    const undeclared = [...new Set(this.#nodes.map((n) => n.domain))].filter((d) => d !== '' && domainOpsets[d] === undefined);
    if (undeclared.length > 0) throw new OnnxGraphError(`nodes use the operator domain(s) ${undeclared.join(', ')}: give their opset versions in domainOpsets`);
    const model = {
      irVersion: options.irVersion ?? 8,
      opsetImport: [{ domain: '', version: options.opsetVersion ?? 17 }, ...Object.entries(domainOpsets).map(([domain, version]) => ({ domain, version }))],
      producerName: options.producerName ?? 'premonitor-ml',
      producerVersion: options.producerVersion ?? '0.1.0',
      docString: options.docString ?? '',
      graph: {
        name: this.#graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs.map(encodeValueInfo),
        output: this.#outputs.map(encodeValueInfo),
      },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
    return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
  }

  #pushInitializer(name: string, dims: readonly number[], dataType: OnnxDataTypeCode, rawData: Uint8Array): string {
    this.#claim(name);
    this.#initializers.push({ name, dims: [...dims], dataType, rawData });
    return name;
  }

  #claim(name: string): void {
    if (name === '') throw new OnnxGraphError('tensor names must not be empty');
    if (this.#defined.has(name)) throw new OnnxGraphError(`tensor name '${name}' is already defined in graph '${this.#graphName}'; use uniqueName()`);
    this.#names.add(name);
    this.#defined.add(name);
  }

  #checkLength(name: string, length: number, dims: readonly number[]): void {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (dims.some((d) => !Number.isInteger(d) || d < 0) || expected !== length) {
      throw new OnnxGraphError(`initializer '${name}' has ${length} values but dims [${dims.join(', ')}] hold ${expected}`);
    }
  }
}

function encodeValueInfo(info: ValueInfo): object {
  return {
    name: info.name,
    type: {
      tensorType: {
        elemType: info.elemType,
        shape: { dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function encodeAttribute(name: string, attr: OnnxAttribute): object {
  switch (attr.type) {
    case 'int':
      return { name, type: OnnxAttributeType.INT, i: attr.value };
    case 'float':
      return { name, type: OnnxAttributeType.FLOAT, f: attr.value };
    case 'string':
      return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(attr.value) };
    case 'ints':
      return { name, type: OnnxAttributeType.INTS, ints: [...attr.value] };
    case 'floats':
      return { name, type: OnnxAttributeType.FLOATS, floats: [...attr.value] };
    case 'strings':
      return { name, type: OnnxAttributeType.STRINGS, strings: attr.value.map((s) => new TextEncoder().encode(s)) };
  }
}
