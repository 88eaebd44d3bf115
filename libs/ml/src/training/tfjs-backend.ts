import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmConvGradients } from './wasm-conv-gradients.js';

/** tfjs backends usable in Node without native bindings. */
export type TfjsBackendName = 'cpu' | 'wasm';

/** Options for {@link useTfjsBackend}. */
export interface TfjsBackendOptions {
  /**
   * Worker threads for the WASM backend's XNNPACK kernels. Node's tfjs-backend-wasm build
   * has no pthread support, so this stays 1 unless that changes (default 1).
   */
  readonly wasmThreads?: number;
}

/** The tfjs backend could not be initialised (missing .wasm files, unsupported CPU). */
export class TfjsBackendError extends Error {
  override readonly name = 'TfjsBackendError';
}

let wasmRegistered = false;

/**
 * Switches tfjs to `backend` and waits until it is ready. For `'wasm'`, the binaries are
 * loaded from the installed `@tensorflow/tfjs-backend-wasm/dist/` folder (nothing is
 * fetched from the network), and Conv2D gets trainable gradients (`registerWasmConvGradients`).
 */
export async function useTfjsBackend(backend: TfjsBackendName, options: TfjsBackendOptions = {}): Promise<void> {
  if (backend === 'wasm' && !wasmRegistered) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    // Emscripten in Node reads `prefix + file` with fs, so a folder path with a trailing slash works.
    wasm.setWasmPaths(join(dirname(entry), '/'));
    // Thread detection would try to spawn browser-style workers under Node.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', (options.wasmThreads ?? 1) > 1);
    if ((options.wasmThreads ?? 1) > 1) wasm.setThreadsCount(options.wasmThreads ?? 1);
    wasmRegistered = true;
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new TfjsBackendError(`tfjs backend '${backend}' failed to initialise; for 'wasm' check that @tensorflow/tfjs-backend-wasm/dist/*.wasm is installed`);
  await tf.ready();
  if (backend === 'wasm') registerWasmConvGradients();
}

/** Whether the active WASM backend uses SIMD kernels (false for other backends). */
export async function wasmSimdEnabled(): Promise<boolean> {
  return tf.getBackend() === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
}
