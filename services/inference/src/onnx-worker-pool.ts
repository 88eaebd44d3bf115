import { Worker } from 'node:worker_threads';
import type { BaselineFeed, BaselineSpec } from '@premonitor/ml';
import type { ModelOutputs } from './scoring-model.js';
import { ModelContractError } from './model-errors.js';
import type { WorkerReply, WorkerRequest } from './onnx-session-worker.js';

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

interface PoolThread {
  readonly worker: Worker;
  /** Models with a session in this thread. */
  readonly models: Set<number>;
  readonly loads: Map<number, Pending<{ inputNames: readonly string[]; outputNames: readonly string[] }>>;
  readonly runs: Map<number, Pending<ModelOutputs>>;
}

const WORKER_URL = new URL('./onnx-session-worker.js', import.meta.url);

/**
 * Worker threads that hold onnxruntime sessions and run batches off the event loop
 * (onnxruntime-node runs a session synchronously on the calling thread). The threads outlive
 * the models: a promotion creates sessions in the running threads, which takes milliseconds,
 * where starting threads (and onnxruntime in them) would take a few hundred — so a hot swap
 * lands as fast as with in-thread sessions. A thread that dies fails its runs; the next load
 * starts a replacement.
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
  async load(spec: SessionSpec): Promise<{ model: number; inputNames: readonly string[]; outputNames: readonly string[] }> {
    while (this.#threads.length < this.#size) this.#threads.push(this.#spawn());
    const model = this.#nextModel++;
    const threads = [...this.#threads];
    const answers = await Promise.allSettled(
      threads.map(
        (t) =>
          new Promise<{ inputNames: readonly string[]; outputNames: readonly string[] }>((resolve, reject) => {
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
    return { model, ...(answers[0] as PromiseFulfilledResult<{ inputNames: readonly string[]; outputNames: readonly string[] }>).value };
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
    const thread: PoolThread = { worker, models: new Set(), loads: new Map(), runs: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      switch (reply.type) {
        case 'loaded':
          thread.models.add(reply.model);
          take(thread.loads, reply.model)?.resolve(reply);
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
      }
    });
    const fail = (err: Error) => {
      const i = this.#threads.indexOf(thread);
      if (i >= 0) this.#threads.splice(i, 1);
      thread.models.clear();
      for (const p of [...thread.loads.values(), ...thread.runs.values()]) p.reject(err);
      thread.loads.clear();
      thread.runs.clear();
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
