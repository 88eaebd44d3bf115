import { Worker } from 'node:worker_threads';
import type { BaselineFeed, BaselineSpec } from '@premonitor/ml';
import type { IoDescription } from '@premonitor/ml/scoring';
import type { ModelOutputs } from './scoring-model.js';
import { ModelContractError } from './model-errors.js';
import type { WorkerReply, WorkerRequest } from './onnx-session-worker.js';
import type { DecodedUpload, UploadLimits, UploadRefusal, UploadTarget } from './upload-decoder.js';

/** What a thread needs to create a session for a model. */
export interface SessionSpec {
  readonly bytes: Uint8Array;
  readonly intraOpThreads: number;
  readonly inputName: string;
  readonly version: string;
  readonly frameShape: readonly number[];
  readonly baseline: BaselineSpec | undefined;
}

interface Pending<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** What a session declares about its inputs and outputs, for the contract check. */
export interface SessionIo {
  readonly inputs: readonly IoDescription[];
  readonly outputs: readonly IoDescription[];
}

interface PoolThread {
  readonly worker: Worker;
  /** Models with a session in this thread. */
  readonly models: Set<number>;
  readonly loads: Map<number, Pending<SessionIo>>;
  readonly runs: Map<number, Pending<ModelOutputs>>;
  readonly decodes: Map<number, Pending<DecodedUpload | UploadRefusal>>;
}

const WORKER_URL = new URL('./onnx-session-worker.js', import.meta.url);

/**
 * Worker threads that hold onnxruntime sessions and run batches off the event loop
 * (onnxruntime-node runs a session synchronously on the calling thread). The threads outlive
 * the models: a promotion creates sessions in the running threads, which takes milliseconds,
 * where starting threads (and onnxruntime in them) would take a few hundred — so a hot swap
 * lands as fast as with in-thread sessions. A thread that dies fails its runs; the next load
 * starts a replacement. The same threads decode uploads (`decodeUpload`): one pool of threads
 * for the CPU-bound work of the service, not a second one.
 */
export class OnnxWorkerPool {
  readonly #size: number;
  readonly #threads: PoolThread[] = [];
  #nextModel = 1;
  #nextRun = 1;

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`an onnxruntime worker pool needs at least one thread, got ${size}`);
    this.#size = size;
  }

  /** Creates a session for `spec` in every thread; resolves with the model's id. */
  async load(spec: SessionSpec): Promise<{ model: number } & SessionIo> {
    this.#fill();
    const model = this.#nextModel++;
    const threads = [...this.#threads];
    const answers = await Promise.allSettled(
      threads.map(
        (t) =>
          new Promise<SessionIo>((resolve, reject) => {
            t.loads.set(model, { resolve, reject });
            t.worker.postMessage({ type: 'load', model, ...spec } satisfies WorkerRequest);
          }),
      ),
    );
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) {
      this.release(model);
      throw failed.reason;
    }
    return { model, ...(answers[0] as PromiseFulfilledResult<SessionIo>).value };
  }

  /**
   * Decodes an upload and brings it to the model's rows on the least busy thread, so decoding
   * and resampling never hold the event loop. The bytes are copied to the thread.
   */
  decodeUpload(bytes: Uint8Array, target: UploadTarget, limits: UploadLimits): Promise<DecodedUpload | UploadRefusal> {
    this.#fill();
    const thread = this.#threads.reduce((best, t) => (t.runs.size + t.decodes.size < best.runs.size + best.decodes.size ? t : best));
    const id = this.#nextRun++;
    return new Promise((resolve, reject) => {
      thread.decodes.set(id, { resolve, reject });
      thread.worker.postMessage({ type: 'decode-upload', id, bytes, target, limits } satisfies WorkerRequest);
    });
  }

  #fill(): void {
    while (this.#threads.length < this.#size) this.#threads.push(this.#spawn());
  }

  /** Runs one batch on the least busy thread holding `model`; the input buffers are transferred. */
  run(model: number, input: Float32Array, rows: number, baselines?: BaselineFeed): Promise<ModelOutputs> {
    let thread: PoolThread | undefined;
    for (const t of this.#threads) if (t.models.has(model) && (!thread || t.runs.size < thread.runs.size)) thread = t;
    if (!thread) return Promise.reject(new Error(`no onnxruntime worker holds model #${model} (released, or its threads exited)`));
    const chosen = thread;
    const id = this.#nextRun++;
    // Transfer only a buffer the input owns whole; a view into a larger buffer is copied first.
    const own = owned(input);
    const feed = baselines ? { baseline: owned(baselines.baseline), enrolled: owned(baselines.enrolled) } : undefined;
    const transfer = [own.buffer as ArrayBuffer, ...(feed ? [feed.baseline.buffer as ArrayBuffer, feed.enrolled.buffer as ArrayBuffer] : [])];
    return new Promise<ModelOutputs>((resolve, reject) => {
      chosen.runs.set(id, { resolve, reject });
      chosen.worker.postMessage({ type: 'run', id, model, input: own, rows, ...(feed ? { baselines: feed } : {}) } satisfies WorkerRequest, transfer);
    });
  }

  /** Frees `model`'s sessions; runs already posted finish first (the thread handles messages in order). */
  release(model: number): void {
    for (const t of this.#threads) {
      if (t.models.delete(model)) t.worker.postMessage({ type: 'release', model } satisfies WorkerRequest);
    }
  }

  /**
   * Stops every thread: each finishes its runs, releases its sessions and exits; one that has
   * not exited after `timeoutMs` is terminated. A later `load` starts new threads.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    await Promise.all(
      this.#threads.splice(0).map(
        (t) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void t.worker.terminate().then(() => resolve()), timeoutMs);
            t.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            t.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
          }),
      ),
    );
  }

  #spawn(): PoolThread {
    const worker = new Worker(WORKER_URL);
    const thread: PoolThread = { worker, models: new Set(), loads: new Map(), runs: new Map(), decodes: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      switch (reply.type) {
        case 'loaded':
          thread.models.add(reply.model);
          take(thread.loads, reply.model)?.resolve({ inputs: reply.inputs, outputs: reply.outputs });
          break;
        case 'load-failed':
          take(thread.loads, reply.model)?.reject(new Error(`cannot create an onnxruntime session: ${reply.message}`));
          break;
        case 'result':
          take(thread.runs, reply.id)?.resolve({ score: reply.score, error: reply.error, ...(reply.fleetScore && reply.embedding ? { fleetScore: reply.fleetScore, embedding: reply.embedding } : {}) });
          break;
        case 'run-failed':
          take(thread.runs, reply.id)?.reject(reply.contract ? new ModelContractError(reply.message) : new Error(reply.message));
          break;
        case 'decoded':
          take(thread.decodes, reply.id)?.resolve(reply.result);
          break;
        case 'decode-failed':
          take(thread.decodes, reply.id)?.reject(new Error(`decoding an upload failed: ${reply.message}`));
          break;
      }
    });
    const fail = (err: Error) => {
      const i = this.#threads.indexOf(thread);
      if (i >= 0) this.#threads.splice(i, 1);
      thread.models.clear();
      for (const p of [...thread.loads.values(), ...thread.runs.values(), ...thread.decodes.values()]) p.reject(err);
      thread.loads.clear();
      thread.runs.clear();
      thread.decodes.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`an onnxruntime worker thread exited (${code})`)));
    return thread;
  }
}

/** `array` itself when it owns its whole buffer (so the buffer can be transferred), else a copy that does. */
function owned(array: Float32Array): Float32Array {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice();
}

function take<T>(map: Map<number, T>, key: number): T | undefined {
  const value = map.get(key);
  map.delete(key);
  return value;
}
