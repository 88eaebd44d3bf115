import type { RandomSource } from '@premonitor/ml/data';
import { performance } from 'node:perf_hooks';
import { LstmKernel } from '../kernel/lstm-kernel.js';
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
  /** Longest stretch without yielding to the event loop (default {@link YIELD_EVERY_MS}; 0: after every batch). */
  readonly yieldEveryMs?: number;
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

/** Yield to the event loop at least this often while training, so a service stays responsive. */
export const YIELD_EVERY_MS = 20;

/**
 * Mini-batch Adam on the MAE with early stopping on the validation MAE: the best epoch's
 * parameters are restored at the end. The arithmetic runs in the WebAssembly
 * {@link LstmKernel} (float32); `net` holds the float64 parameters before and after.
 * Yields to the event loop between batches (every {@link YIELD_EVERY_MS} ms at most), so a
 * service answers requests while it trains: a 4,000-point run takes seconds of CPU.
 */
export async function fitLstm(net: LstmNetwork, train: FitData, validation: FitData, options: FitOptions): Promise<FitResult> {
  const kernel = new LstmKernel(net.shape);
  kernel.setParams(net.params);
  const tr = kernel.upload(train.x, train.y, train.count);
  const va = kernel.upload(validation.x, validation.y, validation.count);
  const order = Uint32Array.from({ length: train.count }, (_, i) => i);
  let best = { loss: kernel.mae(va), epoch: 0, params: kernel.params() };
  let step = 0;
  let epochsRun = 0;
  let lastYield = performance.now();
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(options.random.next() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let from = 0; from < order.length; from += options.batchSize) {
      kernel.maeGradient(tr, order.subarray(from, from + options.batchSize));
      step++;
      kernel.adamStep((options.learningRate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step), BETA1, BETA2, EPSILON);
      if (performance.now() - lastYield >= (options.yieldEveryMs ?? YIELD_EVERY_MS)) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    epochsRun = epoch;
    const loss = kernel.mae(va);
    if (loss < best.loss) best = { loss, epoch, params: kernel.params() };
    else if (epoch - best.epoch >= options.patience) break;
  }
  net.params.set(best.params);
  return { epochsRun, bestEpoch: best.epoch, bestValidationLoss: best.loss };
}
