// AssemblyScript source of the LSTM training kernel (WebAssembly, 128-bit SIMD, float32).
// Compiled by `npm run build:kernel -w services/forecasting` into src/model/lstm-kernel-wasm.ts;
// a spec recompiles it and fails if the committed module is stale.
//
// The same network as src/model/lstm-network.ts (LSTM with sigmoid gates i, f, c, o in tfjs's
// layout, then Dense(horizon), MAE loss) and the same backpropagation through time, four lanes
// at a time. The JavaScript side owns the memory and passes byte offsets; `units` here is
// already padded to a multiple of 4 (padded units have zero weights, stay at h = 0 and get
// zero gradients, so they change nothing).

let T: i32 = 0; // sequence length
let F: i32 = 0; // features per step
let U: i32 = 0; // units (multiple of 4)
let H: i32 = 0; // outputs
let G: i32 = 0; // 4 * U
// Parameters, gradient (same layout: kernel [F, G], recurrent [U, G], bias [G], dense [U, H], dense bias [H]).
let P: usize = 0;
let D: usize = 0;
// Offsets (bytes) of the blocks inside a parameter vector.
let OR: usize = 0;
let OB: usize = 0;
let ODW: usize = 0;
let ODB: usize = 0;
// Scratch for one window: gate activations [T, G], cell [T+1, U], hidden [T+1, U], tanh(cell) [T, U],
// gate gradients [T, G], dh, dh of the previous step, dc [U], output and its gradient [H].
let GATES: usize = 0;
let CS: usize = 0;
let HS: usize = 0;
let TCS: usize = 0;
let DZ: usize = 0;
let DH: usize = 0;
let DHP: usize = 0;
let DC: usize = 0;
let OUT: usize = 0;
let DY: usize = 0;

/** Sets the shape and where parameters, gradient and scratch live; returns the scratch size in bytes. */
export function configure(t: i32, f: i32, u: i32, h: i32, params: usize, grad: usize, scratch: usize): i32 {
  T = t;
  F = f;
  U = u;
  H = h;
  G = 4 * u;
  P = params;
  D = grad;
  OR = <usize>(F * G) << 2;
  OB = OR + (<usize>(U * G) << 2);
  ODW = OB + (<usize>G << 2);
  ODB = ODW + (<usize>(U * H) << 2);
  GATES = scratch;
  CS = GATES + (<usize>(T * G) << 2);
  HS = CS + (<usize>((T + 1) * U) << 2);
  TCS = HS + (<usize>((T + 1) * U) << 2);
  DZ = TCS + (<usize>(T * U) << 2);
  DH = DZ + (<usize>(T * G) << 2);
  DHP = DH + (<usize>U << 2);
  DC = DHP + (<usize>U << 2);
  OUT = DC + (<usize>U << 2);
  DY = OUT + (<usize>H << 2);
  return <i32>(DY + (<usize>H << 2) - scratch);
}

// exp(x) for four lanes: Cephes' expf (range reduction by ln 2, degree-6 polynomial, 2^n built
// in the exponent bits); relative error ~1e-7, inputs clamped so 2^n stays a normal float.
// @ts-ignore: decorator
@inline
function vexp(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline
function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), vexp(f32x4.neg(x))));
}

// tanh(x) = 2·σ(2x) − 1: exact in infinite precision, absolute error ~1e-7 in float32.
// @ts-ignore: decorator
@inline
function vtanh(x: v128): v128 {
  const s = f32x4.div(f32x4.splat(2.0), f32x4.add(f32x4.splat(1.0), vexp(f32x4.mul(x, f32x4.splat(-2.0)))));
  return f32x4.sub(s, f32x4.splat(1.0));
}

// z[0..G) += Σ_k v[k] · m[k, 0..G) (m row-major with G columns), 16 columns at a time in registers.
function accumulateRows(z: usize, m: usize, v: usize, rows: i32): void {
  const stride = <usize>G << 2;
  for (let c: usize = 0; c < (<usize>G << 2); c += 64) {
    let a0 = v128.load(z + c);
    let a1 = v128.load(z + c + 16);
    let a2 = v128.load(z + c + 32);
    let a3 = v128.load(z + c + 48);
    let row = m + c;
    for (let k = 0; k < rows; k++) {
      const vk = f32x4.splat(load<f32>(v + (<usize>k << 2)));
      a0 = f32x4.add(a0, f32x4.mul(vk, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(vk, v128.load(row + 16)));
      a2 = f32x4.add(a2, f32x4.mul(vk, v128.load(row + 32)));
      a3 = f32x4.add(a3, f32x4.mul(vk, v128.load(row + 48)));
      row += stride;
    }
    v128.store(z + c, a0);
    v128.store(z + c + 16, a1);
    v128.store(z + c + 32, a2);
    v128.store(z + c + 48, a3);
  }
}

// out[k] = Σ_j m[k, j] · v[j] for k < U (m has G columns), four rows at a time.
function dotRows(out: usize, m: usize, v: usize): void {
  const stride = <usize>G << 2;
  for (let k = 0; k < U; k += 4) {
    const r0 = m + <usize>k * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let j: usize = 0; j < stride; j += 16) {
      const d = v128.load(v + j);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(r0 + j), d));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(r1 + j), d));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(r2 + j), d));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(r3 + j), d));
    }
    const o = out + (<usize>k << 2);
    store<f32>(o, hsum(a0));
    store<f32>(o + 4, hsum(a1));
    store<f32>(o + 8, hsum(a2));
    store<f32>(o + 12, hsum(a3));
  }
}

// @ts-ignore: decorator
@inline
function hsum(a: v128): f32 {
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
}

// g[k, 0..G) += Σ_s a[s·aStride + k] · d[s, 0..G) for k < rows: the gradient of a weight matrix
// applied at every step, accumulated over `steps` steps in registers.
function outerSum(g: usize, a: usize, aStride: i32, rows: i32, d: usize, steps: i32): void {
  const stride = <usize>G << 2;
  const aStep = <usize>aStride << 2;
  for (let k = 0; k < rows; k++) {
    const gRow = g + <usize>k * stride;
    for (let c: usize = 0; c < stride; c += 64) {
      let a0 = v128.load(gRow + c);
      let a1 = v128.load(gRow + c + 16);
      let a2 = v128.load(gRow + c + 32);
      let a3 = v128.load(gRow + c + 48);
      let at = a + (<usize>k << 2);
      let dRow = d + c;
      for (let s = 0; s < steps; s++) {
        const as = f32x4.splat(load<f32>(at));
        a0 = f32x4.add(a0, f32x4.mul(as, v128.load(dRow)));
        a1 = f32x4.add(a1, f32x4.mul(as, v128.load(dRow + 16)));
        a2 = f32x4.add(a2, f32x4.mul(as, v128.load(dRow + 32)));
        a3 = f32x4.add(a3, f32x4.mul(as, v128.load(dRow + 48)));
        at += aStep;
        dRow += stride;
      }
      v128.store(gRow + c, a0);
      v128.store(gRow + c + 16, a1);
      v128.store(gRow + c + 32, a2);
      v128.store(gRow + c + 48, a3);
    }
  }
}

// One window x [T, F] through the network; the states stay in the scratch for backward().
function forward(x: usize): void {
  const gBytes = <usize>G << 2;
  const uBytes = <usize>U << 2;
  memory.fill(CS, 0, uBytes);
  memory.fill(HS, 0, uBytes);
  for (let s = 0; s < T; s++) {
    const z = GATES + <usize>s * gBytes;
    memory.copy(z, P + OB, gBytes);
    accumulateRows(z, P, x + (<usize>(s * F) << 2), F);
    const hPrev = HS + <usize>s * uBytes;
    if (s > 0) accumulateRows(z, P + OR, hPrev, U);
    // Gates i and f through the sigmoid, the candidate through tanh, o through the sigmoid.
    for (let j: usize = 0; j < (uBytes << 1); j += 16) v128.store(z + j, vsigmoid(v128.load(z + j)));
    for (let j: usize = uBytes << 1; j < uBytes * 3; j += 16) v128.store(z + j, vtanh(v128.load(z + j)));
    for (let j: usize = uBytes * 3; j < gBytes; j += 16) v128.store(z + j, vsigmoid(v128.load(z + j)));
    const cPrev = CS + <usize>s * uBytes;
    const cNext = cPrev + uBytes;
    const hNext = hPrev + uBytes;
    const tc = TCS + <usize>s * uBytes;
    for (let j: usize = 0; j < uBytes; j += 16) {
      const i = v128.load(z + j);
      const f = v128.load(z + uBytes + j);
      const cand = v128.load(z + (uBytes << 1) + j);
      const o = v128.load(z + uBytes * 3 + j);
      const cell = f32x4.add(f32x4.mul(f, v128.load(cPrev + j)), f32x4.mul(i, cand));
      v128.store(cNext + j, cell);
      const th = vtanh(cell);
      v128.store(tc + j, th);
      v128.store(hNext + j, f32x4.mul(o, th));
    }
  }
  const hLast = HS + <usize>T * uBytes;
  for (let j = 0; j < H; j++) {
    let acc = load<f32>(P + ODB + (<usize>j << 2));
    for (let k = 0; k < U; k++) acc += load<f32>(hLast + (<usize>k << 2)) * load<f32>(P + ODW + (<usize>(k * H + j) << 2));
    store<f32>(OUT + (<usize>j << 2), acc);
  }
}

// Backpropagation through time for the window last run by forward(), with dLoss/dOutput in DY,
// added into the gradient.
function backward(x: usize): void {
  const gBytes = <usize>G << 2;
  const uBytes = <usize>U << 2;
  const hLast = HS + <usize>T * uBytes;
  for (let j = 0; j < H; j++) {
    const at = D + ODB + (<usize>j << 2);
    store<f32>(at, load<f32>(at) + load<f32>(DY + (<usize>j << 2)));
  }
  for (let k = 0; k < U; k++) {
    const hk = load<f32>(hLast + (<usize>k << 2));
    let acc: f32 = 0;
    for (let j = 0; j < H; j++) {
      const w = <usize>(k * H + j) << 2;
      const dy = load<f32>(DY + (<usize>j << 2));
      store<f32>(D + ODW + w, load<f32>(D + ODW + w) + hk * dy);
      acc += load<f32>(P + ODW + w) * dy;
    }
    store<f32>(DH + (<usize>k << 2), acc);
  }
  memory.fill(DC, 0, uBytes);
  let dh = DH;
  let dhPrev = DHP;
  const one = f32x4.splat(1.0);
  for (let s = T - 1; s >= 0; s--) {
    const z = GATES + <usize>s * gBytes;
    const dz = DZ + <usize>s * gBytes;
    const cPrev = CS + <usize>s * uBytes;
    const tc = TCS + <usize>s * uBytes;
    for (let j: usize = 0; j < uBytes; j += 16) {
      const i = v128.load(z + j);
      const f = v128.load(z + uBytes + j);
      const cand = v128.load(z + (uBytes << 1) + j);
      const o = v128.load(z + uBytes * 3 + j);
      const th = v128.load(tc + j);
      const dhj = v128.load(dh + j);
      const dcj = f32x4.add(v128.load(DC + j), f32x4.mul(f32x4.mul(dhj, o), f32x4.sub(one, f32x4.mul(th, th))));
      v128.store(dz + j, f32x4.mul(f32x4.mul(dcj, cand), f32x4.mul(i, f32x4.sub(one, i))));
      v128.store(dz + uBytes + j, f32x4.mul(f32x4.mul(dcj, v128.load(cPrev + j)), f32x4.mul(f, f32x4.sub(one, f))));
      v128.store(dz + (uBytes << 1) + j, f32x4.mul(f32x4.mul(dcj, i), f32x4.sub(one, f32x4.mul(cand, cand))));
      v128.store(dz + uBytes * 3 + j, f32x4.mul(f32x4.mul(dhj, th), f32x4.mul(o, f32x4.sub(one, o))));
      v128.store(DC + j, f32x4.mul(dcj, f));
    }
    if (s == 0) break; // h₀ = 0: nothing flows further back.
    dotRows(dhPrev, P + OR, dz);
    const swap = dh;
    dh = dhPrev;
    dhPrev = swap;
  }
  // Weight gradients once per window, summed over the steps.
  for (let c: usize = 0; c < gBytes; c += 16) {
    let acc = v128.load(D + OB + c);
    for (let s = 0; s < T; s++) acc = f32x4.add(acc, v128.load(DZ + <usize>s * gBytes + c));
    v128.store(D + OB + c, acc);
  }
  outerSum(D, x, F, F, DZ, T);
  // The recurrent kernel pairs h after step s−1 (hidden row s) with the gate gradients of step s, s ≥ 1.
  outerSum(D + OR, HS + uBytes, U, U, DZ + gBytes, T - 1);
}

/**
 * Mean absolute error of the windows whose indices are the `count` u32 at `rows` (windows at `x`,
 * [n, T, F]; targets at `y`, [n, H]), its gradient added into the gradient vector.
 */
export function maeGradient(x: usize, y: usize, rows: usize, count: i32): f32 {
  const scale: f32 = 1.0 / <f32>(count * H);
  const xBytes = <usize>(T * F) << 2;
  const yBytes = <usize>H << 2;
  let loss: f32 = 0;
  for (let r = 0; r < count; r++) {
    const n = <usize>load<u32>(rows + (<usize>r << 2));
    const xn = x + n * xBytes;
    forward(xn);
    const yn = y + n * yBytes;
    for (let j = 0; j < H; j++) {
      const e = load<f32>(OUT + (<usize>j << 2)) - load<f32>(yn + (<usize>j << 2));
      loss += Mathf.abs(e);
      store<f32>(DY + (<usize>j << 2), e > 0 ? scale : e < 0 ? -scale : 0);
    }
    backward(xn);
  }
  return loss * scale;
}

/** Outputs [count, H] at `out` for the `count` windows at `x`. */
export function predict(x: usize, count: i32, out: usize): void {
  const xBytes = <usize>(T * F) << 2;
  const yBytes = <usize>H << 2;
  for (let n = 0; n < count; n++) {
    forward(x + <usize>n * xBytes);
    memory.copy(out + <usize>n * yBytes, OUT, yBytes);
  }
}

/**
 * One Adam step over `n` parameters (a multiple of 4) with the gradient vector: moments at `m`
 * and `v`, `lr` already bias-corrected.
 */
export function adam(n: i32, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, epsilon: f32): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(1 - beta2);
  const rate = f32x4.splat(lr);
  const eps = f32x4.splat(epsilon);
  for (let i: usize = 0; i < (<usize>n << 2); i += 16) {
    const g = v128.load(D + i);
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + i)), f32x4.mul(c1, g));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + i)), f32x4.mul(c2, f32x4.mul(g, g)));
    v128.store(m + i, mi);
    v128.store(v + i, vi);
    v128.store(P + i, f32x4.sub(v128.load(P + i), f32x4.div(f32x4.mul(rate, mi), f32x4.add(f32x4.sqrt(vi), eps))));
  }
}
