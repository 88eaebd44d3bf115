/**
 * A typed ONNX node attribute. ONNX distinguishes INT from FLOAT, which a JS number cannot,
 * so every attribute says which one it is; build them with {@link OnnxAttr}.
 */
export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] };

/** Attributes of one node, by attribute name. */
export type OnnxAttributes = Readonly<Record<string, OnnxAttribute>>;

/** Constructors for {@link OnnxAttribute} values: `{ axis: OnnxAttr.int(1) }`. */
export const OnnxAttr = {
  int: (value: number): OnnxAttribute => ({ type: 'int', value }),
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
  ints: (value: readonly number[]): OnnxAttribute => ({ type: 'ints', value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ type: 'floats', value }),
  strings: (value: readonly string[]): OnnxAttribute => ({ type: 'strings', value }),
} as const;
