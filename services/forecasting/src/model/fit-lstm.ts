import type { RandomSource } from '@premonitor/ml/data';
import type { LstmNetwork } from './lstm-network.js';

/** Supervised windows for {@link fitLstm}: `x [count, seq, features]`, `y [count, horizon]`. */
export interface FitData {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly count: number;
}

/** Settings of one {@link fitLstm} run. */
export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Epochs without a better validation loss before stopping. */
  readonly patience: number;
  /** Shuffles the training windows each epoch (never across the validation split). */
  readonly random: RandomSource;
}

/** How a {@link fitLstm} run went. */
export interface FitResult {
  readonly epochsRun: number;
  /** 1-based epoch whose weights were kept (0: none beat the initial weights). */
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
}

// Adam as in tfjs/Keras: β₁ 0.9, β₂ 0.999, ε 1e-7.
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Mini-batch Adam on the MAE with early stopping on the validation MAE: the best epoch's
 * parameters are restored at the end. Yields to the event loop after every epoch so a
 * service stays responsive while it trains.
 */
export async function fitLstm(net: LstmNetwork, train: FitData, validation: FitData, options: FitOptions): Promise<FitResult> {
  const p = net.params;
  const grad = new Float64Array(p.length);
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  const order = Uint32Array.from({ length: train.count }, (_, i) => i);
  let best = { loss: validationMae(net, validation), epoch: 0, params: Float64Array.from(p) };
  let step = 0;
  let epochsRun = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(options.random.next() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let from = 0; from < order.length; from += options.batchSize) {
      grad.fill(0);
      net.maeGradient(train.x, train.y, order.subarray(from, from + options.batchSize), grad);
      step++;
      const lr = (options.learningRate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
      for (let k = 0; k < p.length; k++) {
        const gk = grad[k]!;
        const mk = (m[k] = BETA1 * m[k]! + (1 - BETA1) * gk);
        const vk = (v[k] = BETA2 * v[k]! + (1 - BETA2) * gk * gk);
        p[k]! -= (lr * mk) / (Math.sqrt(vk) + EPSILON);
      }
    }
    epochsRun = epoch;
    const loss = validationMae(net, validation);
    if (loss < best.loss) best = { loss, epoch, params: Float64Array.from(p) };
    else if (epoch - best.epoch >= options.patience) break;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  p.set(best.params);
  return { epochsRun, bestEpoch: best.epoch, bestValidationLoss: best.loss };
}

function validationMae(net: LstmNetwork, data: FitData): number {
  const out = net.predict(data.x, data.count);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += Math.abs(out[i]! - data.y[i]!);
  return sum / out.length;
}
