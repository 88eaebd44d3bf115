import { Worker } from 'node:worker_threads';
import type { DeviceFitOptions, DeviceModelFamily } from './device-fit-options.js';
import type { FittedDeviceModel } from './device-model-fit.js';

/** One fit, as posted to the worker. */
export interface FitRequest {
  readonly id: number;
  readonly family: DeviceModelFamily;
  readonly keys: readonly string[];
  readonly rows: Float64Array;
  readonly stepMs: number;
  /** The model's version stamp (its ONNX graph carries the version). */
  readonly stamp: string;
  readonly options: DeviceFitOptions;
}

export type FitReply = { readonly id: number; readonly ok: true; readonly fitted: FittedDeviceModel } | { readonly id: number; readonly ok: false; readonly reason: string };

/**
 * Fits device models in one worker thread (started on the first fit), so training an
 * autoencoder for seconds never blocks the telemetry consumer: other devices keep being scored
 * and this one says it is fitting. Fits queue in the worker; a dead worker fails its fits and
 * the next fit starts a new one.
 */
export class DeviceFitter {
  readonly #options: DeviceFitOptions;
  readonly #waiting = new Map<number, { resolve: (f: FittedDeviceModel) => void; reject: (e: Error) => void }>();
  #worker: Worker | undefined;
  #nextId = 1;

  constructor(options: DeviceFitOptions) {
    this.#options = options;
  }

  fit(family: DeviceModelFamily, keys: readonly string[], rows: Float64Array, stepMs: number, stamp: string): Promise<FittedDeviceModel> {
    const id = this.#nextId++;
    const worker = this.#ensureWorker();
    // Held open only while fits are pending: an idle fitter does not keep the process alive.
    worker.ref();
    return new Promise<FittedDeviceModel>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      const request: FitRequest = { id, family, keys: [...keys], rows, stepMs, stamp, options: this.#options };
      worker.postMessage(request);
    });
  }

  /** Stops the worker; fits in progress fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
    this.#failAll(new Error('the device fitter was closed'));
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./device-fit-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (reply: FitReply) => {
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (this.#waiting.size === 0) worker.unref();
      if (!waiting) return;
      if (reply.ok) waiting.resolve(reply.fitted);
      else waiting.reject(new Error(reply.reason));
    });
    const lost = (err: Error): void => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(err);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the device fit worker exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #failAll(err: Error): void {
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }
}
