import type { ModelDescription } from '@premonitor/ml';
import type { RandomSource } from '@premonitor/ml/data';

/** Shape of an {@link LstmNetwork}. */
export interface LstmShape {
  readonly sequenceLength: number;
  readonly features: number;
  readonly units: number;
  /** Outputs (one per forecast step). */
  readonly horizon: number;
}

/**
 * LSTM(units, sigmoid gates, tanh) → Dense(horizon) with its forward pass and hand-written
 * backpropagation through time, in plain TypeScript over one flat `Float64Array`.
 *
 * Why not tfjs layers: at this size (32 units, 30 steps) training is dominated by tfjs's
 * per-op overhead (~40 small kernels per step per batch, plus the tape), not arithmetic —
 * 1,000 points × 20 epochs took 18 s of CPU on the WASM backend and 140 s on `cpu`. Fused
 * loops over the few parameters do the same arithmetic in a fraction of that. The weights
 * keep tfjs's layout (kernel `[features, 4u]`, recurrent `[u, 4u]`, gates i, f, c, o), so
 * {@link toDescription} feeds the same ONNX `LSTM` exporter as a tfjs model would.
 */
export class LstmNetwork {
  /** All parameters: kernel, recurrent kernel, bias, dense kernel `[u, horizon]`, dense bias. */
  readonly params: Float64Array;
  readonly #o: { readonly w: number; readonly u: number; readonly b: number; readonly dw: number; readonly db: number };
  // Scratch for one sequence: gate activations, cell states, hidden states, tanh(c).
  readonly #gates: Float64Array;
  readonly #c: Float64Array;
  readonly #h: Float64Array;
  readonly #tc: Float64Array;
  readonly #dz: Float64Array;
  readonly #dh: Float64Array;
  readonly #dhPrev: Float64Array;
  readonly #dc: Float64Array;

  constructor(
    readonly shape: LstmShape,
    params?: Float64Array,
  ) {
    const { features: f, units: u, horizon: h, sequenceLength: t } = shape;
    const g = 4 * u;
    const w = 0;
    const uu = w + f * g;
    const b = uu + u * g;
    const dw = b + g;
    const db = dw + u * h;
    this.#o = { w, u: uu, b, dw, db };
    const size = db + h;
    if (params && params.length !== size) throw new RangeError(`LstmNetwork: expected ${size} parameters, got ${params.length}`);
    this.params = params ?? new Float64Array(size);
    this.#gates = new Float64Array(t * g);
    this.#c = new Float64Array((t + 1) * u);
    this.#h = new Float64Array((t + 1) * u);
    this.#tc = new Float64Array(t * u);
    this.#dz = new Float64Array(t * g);
    this.#dh = new Float64Array(u);
    this.#dhPrev = new Float64Array(u);
    this.#dc = new Float64Array(u);
  }

  /**
   * Glorot-uniform input kernel, an orthogonal recurrent kernel (as tfjs and Keras
   * initialise LSTMs), a forget-gate bias of 1 so the cell remembers by default, and a
   * zero output layer: the outputs are changes from the last value, so training starts
   * exactly at persistence and early stopping can never keep anything worse on validation.
   */
  static initialise(shape: LstmShape, random: RandomSource): LstmNetwork {
    const net = new LstmNetwork(shape);
    const { features: f, units: u } = shape;
    const g = 4 * u;
    const p = net.params;
    const o = net.#o;
    const glorot = (at: number, rows: number, cols: number) => {
      const limit = Math.sqrt(6 / (rows + cols));
      for (let i = 0; i < rows * cols; i++) p[at + i] = (2 * random.next() - 1) * limit;
    };
    glorot(o.w, f, g);
    // Orthonormal rows of [u, 4u]: Gram–Schmidt on Gaussian rows.
    for (let r = 0; r < u; r++) {
      const row = p.subarray(o.u + r * g, o.u + (r + 1) * g);
      for (let j = 0; j < g; j++) row[j] = gaussian(random);
      for (let q = 0; q < r; q++) {
        const prev = p.subarray(o.u + q * g, o.u + (q + 1) * g);
        let dot = 0;
        for (let j = 0; j < g; j++) dot += row[j]! * prev[j]!;
        for (let j = 0; j < g; j++) row[j]! -= dot * prev[j]!;
      }
      let norm = 0;
      for (let j = 0; j < g; j++) norm += row[j]! * row[j]!;
      norm = Math.sqrt(norm);
      for (let j = 0; j < g; j++) row[j]! /= norm;
    }
    for (let j = u; j < 2 * u; j++) p[o.b + j] = 1;
    return net;
  }

  /** Outputs `[count, horizon]` for `count` windows `x [count, sequenceLength, features]`. */
  predict(x: ArrayLike<number>, count: number): Float32Array {
    const { sequenceLength: t, features: f, horizon: h } = this.shape;
    const out = new Float32Array(count * h);
    const y = new Float64Array(h);
    for (let n = 0; n < count; n++) {
      this.#forward(x, n * t * f, y);
      out.set(y, n * h);
    }
    return out;
  }

  /**
   * Mean absolute error of windows `rows` (indices into `x`/`y`) and, added into `grad`
   * (same layout as {@link params}), its gradient.
   */
  maeGradient(x: ArrayLike<number>, y: ArrayLike<number>, rows: ArrayLike<number>, grad: Float64Array): number {
    const { sequenceLength: t, features: f, horizon: h } = this.shape;
    const out = new Float64Array(h);
    const dy = new Float64Array(h);
    const scale = 1 / (rows.length * h);
    let loss = 0;
    for (let r = 0; r < rows.length; r++) {
      const n = rows[r]!;
      this.#forward(x, n * t * f, out);
      for (let j = 0; j < h; j++) {
        const e = out[j]! - y[n * h + j]!;
        loss += Math.abs(e);
        dy[j] = e > 0 ? scale : e < 0 ? -scale : 0;
      }
      this.#backward(x, n * t * f, dy, grad);
    }
    return loss * scale;
  }

  /**
   * Multiplies output `j` by `factors[j]` (scales the dense layer's column and bias), which
   * is exactly a forecast shrunk toward persistence by that factor.
   */
  scaleOutputs(factors: readonly number[]): void {
    const { units: u, horizon: h } = this.shape;
    const o = this.#o;
    for (let j = 0; j < h; j++) {
      const a = factors[j]!;
      for (let k = 0; k < u; k++) this.params[o.dw + k * h + j]! *= a;
      this.params[o.db + j]! *= a;
    }
  }

  /** The network as exporter input: the same description `describeLayersModel` gives for tfjs. */
  toDescription(): ModelDescription {
    const { sequenceLength, features, units, horizon } = this.shape;
    const o = this.#o;
    const f32 = (from: number, to: number) => Float32Array.from(this.params.subarray(from, to));
    return {
      inputShape: [sequenceLength, features],
      layers: [
        {
          kind: 'lstm',
          units,
          kernel: f32(o.w, o.u),
          recurrentKernel: f32(o.u, o.b),
          bias: f32(o.b, o.dw),
          activation: 'tanh',
          recurrentActivation: 'sigmoid',
          returnSequences: false,
        },
        { kind: 'dense', units: horizon, kernel: f32(o.dw, o.db), bias: f32(o.db, o.db + horizon), activation: 'linear' },
      ],
    };
  }

  // Runs one window starting at x[at], leaving the step states in the scratch arrays.
  #forward(x: ArrayLike<number>, at: number, out: Float64Array): void {
    const { sequenceLength: t, features: f, units: u, horizon: h } = this.shape;
    const g = 4 * u;
    const p = this.params;
    const o = this.#o;
    const gates = this.#gates;
    const c = this.#c;
    const hs = this.#h;
    const tc = this.#tc;
    c.fill(0, 0, u);
    hs.fill(0, 0, u);
    for (let s = 0; s < t; s++) {
      const z = s * g;
      for (let j = 0; j < g; j++) gates[z + j] = p[o.b + j]!;
      for (let k = 0; k < f; k++) {
        const xk = x[at + s * f + k]!;
        if (xk === 0) continue;
        const row = o.w + k * g;
        for (let j = 0; j < g; j++) gates[z + j]! += xk * p[row + j]!;
      }
      const hp = s * u;
      if (s > 0) axpyRows(gates, z, p, o.u, hs, hp, u, g);
      // Gates i, f, o through the sigmoid, the candidate c through tanh.
      for (let j = 0; j < 2 * u; j++) gates[z + j] = 1 / (1 + Math.exp(-gates[z + j]!));
      for (let j = 2 * u; j < 3 * u; j++) gates[z + j] = Math.tanh(gates[z + j]!);
      for (let j = 3 * u; j < g; j++) gates[z + j] = 1 / (1 + Math.exp(-gates[z + j]!));
      const cn = (s + 1) * u;
      for (let j = 0; j < u; j++) {
        const cell = gates[z + u + j]! * c[hp + j]! + gates[z + j]! * gates[z + 2 * u + j]!;
        c[cn + j] = cell;
        const th = Math.tanh(cell);
        tc[hp + j] = th;
        hs[cn + j] = gates[z + 3 * u + j]! * th;
      }
    }
    const last = t * u;
    for (let j = 0; j < h; j++) out[j] = p[o.db + j]!;
    for (let k = 0; k < u; k++) {
      const hk = hs[last + k]!;
      const row = o.dw + k * h;
      for (let j = 0; j < h; j++) out[j]! += hk * p[row + j]!;
    }
  }

  // Backpropagation through time for the window last run by #forward, with dLoss/dOutput `dy`.
  #backward(x: ArrayLike<number>, at: number, dy: Float64Array, grad: Float64Array): void {
    const { sequenceLength: t, features: f, units: u, horizon: h } = this.shape;
    const g = 4 * u;
    const p = this.params;
    const o = this.#o;
    const gates = this.#gates;
    const c = this.#c;
    const hs = this.#h;
    const tc = this.#tc;
    const dz = this.#dz;
    let dh = this.#dh;
    let dhPrev = this.#dhPrev;
    const dc = this.#dc;
    const last = t * u;
    for (let j = 0; j < h; j++) grad[o.db + j]! += dy[j]!;
    for (let k = 0; k < u; k++) {
      const hk = hs[last + k]!;
      const row = o.dw + k * h;
      let acc = 0;
      for (let j = 0; j < h; j++) {
        grad[row + j]! += hk * dy[j]!;
        acc += p[row + j]! * dy[j]!;
      }
      dh[k] = acc;
    }
    dc.fill(0);
    for (let s = t - 1; s >= 0; s--) {
      const z = s * g;
      const hp = s * u;
      for (let j = 0; j < u; j++) {
        const i = gates[z + j]!;
        const fg = gates[z + u + j]!;
        const cand = gates[z + 2 * u + j]!;
        const og = gates[z + 3 * u + j]!;
        const th = tc[hp + j]!;
        const dcj = dc[j]! + dh[j]! * og * (1 - th * th);
        dz[z + j] = dcj * cand * i * (1 - i);
        dz[z + u + j] = dcj * c[hp + j]! * fg * (1 - fg);
        dz[z + 2 * u + j] = dcj * i * (1 - cand * cand);
        dz[z + 3 * u + j] = dh[j]! * th * og * (1 - og);
        dc[j] = dcj * fg;
      }
      if (s === 0) break; // h₀ = 0: nothing flows further back.
      dotRows(dhPrev, p, o.u, dz, z, u, g);
      const swap = dh;
      dh = dhPrev;
      dhPrev = swap;
    }
    // Weight gradients once per window, summed over the steps (blocked: far fewer loads and stores).
    for (let s = 0; s < t; s++) for (let j = 0; j < g; j++) grad[o.b + j]! += dz[s * g + j]!;
    outerSum(grad, o.w, x, at, f, dz, 0, t, g);
    // dU pairs h_{s} (the state before step s) with dz of step s, for s ≥ 1; hs row s holds h_s.
    outerSum(grad, o.u, hs, u, u, dz, g, t - 1, g);
  }
}

/** `z[zAt + j] += Σ_k h[hAt + k] · w[wAt + k·cols + j]`, four rows at a time. */
function axpyRows(z: Float64Array, zAt: number, w: Float64Array, wAt: number, h: ArrayLike<number>, hAt: number, rows: number, cols: number): void {
  let k = 0;
  for (; k + 4 <= rows; k += 4) {
    const h0 = h[hAt + k]!;
    const h1 = h[hAt + k + 1]!;
    const h2 = h[hAt + k + 2]!;
    const h3 = h[hAt + k + 3]!;
    const r0 = wAt + k * cols;
    const r1 = r0 + cols;
    const r2 = r1 + cols;
    const r3 = r2 + cols;
    for (let j = 0; j < cols; j++) z[zAt + j]! += h0 * w[r0 + j]! + h1 * w[r1 + j]! + h2 * w[r2 + j]! + h3 * w[r3 + j]!;
  }
  for (; k < rows; k++) {
    const hk = h[hAt + k]!;
    const r = wAt + k * cols;
    for (let j = 0; j < cols; j++) z[zAt + j]! += hk * w[r + j]!;
  }
}

/** `out[k] = Σ_j w[wAt + k·cols + j] · v[vAt + j]` for every row k. */
function dotRows(out: Float64Array, w: Float64Array, wAt: number, v: Float64Array, vAt: number, rows: number, cols: number): void {
  for (let k = 0; k < rows; k++) {
    const r = wAt + k * cols;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      s0 += w[r + j]! * v[vAt + j]!;
      s1 += w[r + j + 1]! * v[vAt + j + 1]!;
      s2 += w[r + j + 2]! * v[vAt + j + 2]!;
      s3 += w[r + j + 3]! * v[vAt + j + 3]!;
    }
    for (; j < cols; j++) s0 += w[r + j]! * v[vAt + j]!;
    out[k] = s0 + s1 + s2 + s3;
  }
}

/**
 * `grad[gAt + k·cols + j] += Σ_s a[aAt + s·rows + k] · d[dAt + s·cols + j]` over `steps` rows of
 * `a` and `d`: the weight gradient of a layer applied at every step, four steps at a time.
 */
function outerSum(grad: Float64Array, gAt: number, a: ArrayLike<number>, aAt: number, rows: number, d: Float64Array, dAt: number, steps: number, cols: number): void {
  for (let k = 0; k < rows; k++) {
    const r = gAt + k * cols;
    let s = 0;
    for (; s + 4 <= steps; s += 4) {
      const a0 = a[aAt + s * rows + k]!;
      const a1 = a[aAt + (s + 1) * rows + k]!;
      const a2 = a[aAt + (s + 2) * rows + k]!;
      const a3 = a[aAt + (s + 3) * rows + k]!;
      const d0 = dAt + s * cols;
      const d1 = d0 + cols;
      const d2 = d1 + cols;
      const d3 = d2 + cols;
      for (let j = 0; j < cols; j++) grad[r + j]! += a0 * d[d0 + j]! + a1 * d[d1 + j]! + a2 * d[d2 + j]! + a3 * d[d3 + j]!;
    }
    for (; s < steps; s++) {
      const as = a[aAt + s * rows + k]!;
      const d0 = dAt + s * cols;
      for (let j = 0; j < cols; j++) grad[r + j]! += as * d[d0 + j]!;
    }
  }
}

function gaussian(random: RandomSource): number {
  const a = Math.max(random.next(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * random.next());
}
