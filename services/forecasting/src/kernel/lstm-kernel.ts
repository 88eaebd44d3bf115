import type { LstmShape } from '../model/lstm-network.js';
import { LSTM_KERNEL_WASM_BASE64 } from './lstm-kernel-wasm.js';

/** Windows copied into a kernel's memory by {@link LstmKernel.upload}. */
export interface KernelWindows {
  readonly count: number;
  readonly x: number;
  readonly y: number;
}

interface KernelExports {
  configure(t: number, f: number, u: number, h: number, params: number, grad: number, scratch: number): number;
  maeGradient(x: number, y: number, rows: number, count: number): number;
  predict(x: number, count: number, out: number): void;
  adam(n: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number): void;
}

// @types/node 20 carries no WebAssembly typings (TypeScript keeps them in lib.dom): the part used here.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}

const PAGE = 65_536;
let compiled: WebAssembly.Module | undefined;

/**
 * The LSTM's training arithmetic in WebAssembly (`assembly/lstm-kernel.ts`): forward pass,
 * backpropagation through time and Adam, four float32 lanes at a time, the exponentials
 * included (a polynomial instead of `Math.exp`, which cost 20–30 ns a call here).
 * {@link LstmNetwork} stays the float64 reference it is checked against.
 *
 * Parameters use {@link LstmNetwork}'s layout; inside, the units are padded to a multiple of
 * 4 with zero weights, which keeps those units at h = 0 with zero gradient (so they never
 * move and change nothing). One kernel per training run: it owns one `WebAssembly.Memory`
 * holding the parameters, the gradient, the Adam moments, scratch and the uploaded windows.
 */
export class LstmKernel {
  readonly #exports: KernelExports;
  readonly #memory: WebAssembly.Memory;
  readonly #shape: LstmShape;
  /** Padded index of every unpadded parameter. */
  readonly #map: Int32Array;
  readonly #paddedCount: number;
  readonly #at: { readonly params: number; readonly grad: number; readonly m: number; readonly v: number };
  #end: number;
  #rows = { at: 0, capacity: 0 };

  constructor(shape: LstmShape) {
    this.#shape = shape;
    const { sequenceLength: t, features: f, units: u, horizon: h } = shape;
    const up = Math.ceil(u / 4) * 4;
    this.#map = paddingMap(f, u, up, h);
    this.#paddedCount = Math.ceil((f * 4 * up + up * 4 * up + 4 * up + up * h + h) / 4) * 4;
    const vector = this.#paddedCount * 4;
    const scratch = 4 * (2 * t * 4 * up + 2 * (t + 1) * up + t * up + 3 * up + 2 * h) + 64;
    this.#at = { params: 64, grad: 64 + vector, m: 64 + 2 * vector, v: 64 + 3 * vector };
    const scratchAt = 64 + 4 * vector;
    this.#end = align(scratchAt + scratch);
    this.#memory = new WebAssembly.Memory({ initial: Math.ceil(this.#end / PAGE) + 1 });
    compiled ??= new WebAssembly.Module(Buffer.from(LSTM_KERNEL_WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(compiled, { env: { memory: this.#memory } });
    this.#exports = instance.exports as unknown as KernelExports;
    this.#exports.configure(t, f, up, h, this.#at.params, this.#at.grad, scratchAt);
  }

  /** Sets the parameters (in {@link LstmNetwork}'s layout) and clears the Adam moments. */
  setParams(params: ArrayLike<number>): void {
    if (params.length !== this.#map.length) throw new RangeError(`LstmKernel: expected ${this.#map.length} parameters, got ${params.length}`);
    const f32 = this.#f32();
    f32.fill(0, this.#at.params / 4, this.#at.v / 4 + this.#paddedCount);
    const base = this.#at.params / 4;
    for (let i = 0; i < params.length; i++) f32[base + this.#map[i]!] = params[i]!;
  }

  /** The parameters in {@link LstmNetwork}'s layout. */
  params(): Float64Array {
    return this.#unpad(this.#at.params);
  }

  /** The gradient left by the last {@link maeGradient}, in {@link LstmNetwork}'s layout. */
  gradient(): Float64Array {
    return this.#unpad(this.#at.grad);
  }

  /** Copies windows `x [count, seq, features]` and targets `y [count, horizon]` into the kernel. */
  upload(x: ArrayLike<number>, y: ArrayLike<number>, count: number): KernelWindows {
    const { sequenceLength: t, features: f, horizon: h } = this.#shape;
    const xAt = this.#allocate(count * t * f * 4);
    const yAt = this.#allocate(count * h * 4);
    const f32 = this.#f32();
    f32.set(x instanceof Float32Array ? x.subarray(0, count * t * f) : Float32Array.from({ length: count * t * f }, (_, i) => x[i]!), xAt / 4);
    f32.set(y instanceof Float32Array ? y.subarray(0, count * h) : Float32Array.from({ length: count * h }, (_, i) => y[i]!), yAt / 4);
    return { count, x: xAt, y: yAt };
  }

  /** Mean absolute error of windows `rows` of `data`; its gradient replaces the kernel's gradient. */
  maeGradient(data: KernelWindows, rows: ArrayLike<number>): number {
    if (rows.length > this.#rows.capacity) this.#rows = { at: this.#allocate(rows.length * 4), capacity: rows.length };
    new Uint32Array(this.#memory.buffer, this.#rows.at, rows.length).set(rows);
    this.#f32().fill(0, this.#at.grad / 4, this.#at.grad / 4 + this.#paddedCount);
    return this.#exports.maeGradient(data.x, data.y, this.#rows.at, rows.length);
  }

  /** One Adam step with the current gradient; `lr` already bias-corrected. */
  adamStep(lr: number, beta1: number, beta2: number, epsilon: number): void {
    this.#exports.adam(this.#paddedCount, this.#at.m, this.#at.v, lr, beta1, beta2, epsilon);
  }

  /** Outputs `[count, horizon]` for the uploaded windows. */
  predict(data: KernelWindows): Float32Array {
    const h = this.#shape.horizon;
    const mark = this.#end;
    const out = this.#allocate(data.count * h * 4);
    this.#exports.predict(data.x, data.count, out);
    const result = new Float32Array(this.#memory.buffer, out, data.count * h).slice();
    this.#end = mark;
    return result;
  }

  /** Mean absolute error of the outputs on all uploaded windows against their targets. */
  mae(data: KernelWindows): number {
    const out = this.predict(data);
    const y = new Float32Array(this.#memory.buffer, data.y, out.length);
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += Math.abs(out[i]! - y[i]!);
    return sum / out.length;
  }

  #unpad(at: number): Float64Array {
    const f32 = this.#f32();
    const base = at / 4;
    return Float64Array.from(this.#map, (i) => f32[base + i]!);
  }

  #allocate(bytes: number): number {
    const at = this.#end;
    this.#end = align(at + bytes);
    const missing = this.#end - this.#memory.buffer.byteLength;
    if (missing > 0) this.#memory.grow(Math.ceil(missing / PAGE));
    return at;
  }

  // A fresh view each time: growing the memory detaches the old buffer.
  #f32(): Float32Array {
    return new Float32Array(this.#memory.buffer);
  }
}

const align = (n: number) => Math.ceil(n / 16) * 16;

/** Index in the padded layout (units `up`) of every parameter of the unpadded layout (units `u`). */
function paddingMap(f: number, u: number, up: number, h: number): Int32Array {
  const map: number[] = [];
  const g = 4 * u;
  const gp = 4 * up;
  const gateColumn = (j: number) => Math.floor(j / u) * up + (j % u);
  for (let k = 0; k < f; k++) for (let j = 0; j < g; j++) map.push(k * gp + gateColumn(j));
  const r = f * gp;
  for (let k = 0; k < u; k++) for (let j = 0; j < g; j++) map.push(r + k * gp + gateColumn(j));
  const b = r + up * gp;
  for (let j = 0; j < g; j++) map.push(b + gateColumn(j));
  const dw = b + gp;
  for (let k = 0; k < u; k++) for (let j = 0; j < h; j++) map.push(dw + k * h + j);
  const db = dw + up * h;
  for (let j = 0; j < h; j++) map.push(db + j);
  return Int32Array.from(map);
}
