/**
 * INT8 initializers for a graph written by `OnnxGraphBuilder`, which stores float32 and
 * int64 constants only. The tensors are serialised as a second `graph` field appended to
 * the finished `ModelProto`: protobuf merges repeated occurrences of a message field, so
 * the parser sees one graph whose `initializer` list also holds these tensors.
 */
export class Int8Initializers {
  readonly #tensors: Uint8Array[] = [];

  /** Registers a tensor under `name` (reserve it with `uniqueName`); returns the name. */
  add(name: string, values: Int8Array, dims: readonly number[]): string {
    const fields: Uint8Array[] = [];
    for (const d of dims) fields.push(varintField(1, d));
    fields.push(varintField(2, ONNX_INT8));
    fields.push(bytesField(8, new TextEncoder().encode(name)));
    fields.push(bytesField(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
    this.#tensors.push(concat(fields));
    return name;
  }

  /** The model bytes with the registered tensors merged into its graph. */
  appendTo(modelBytes: Uint8Array): Uint8Array {
    if (this.#tensors.length === 0) return modelBytes;
    const graphPatch = concat(this.#tensors.map((t) => bytesField(GRAPH_INITIALIZER, t)));
    return concat([modelBytes, bytesField(MODEL_GRAPH, graphPatch)]);
  }
}

// Field numbers and enum values from onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const ONNX_INT8 = 3;

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function varintField(field: number, value: number): Uint8Array {
  return concat([varint(field * 8), varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
