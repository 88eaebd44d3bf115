import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainJob, TrainMessage } from './train-job.js';

/**
 * Where a run trains. `process` (the default): a child process whose every thread runs at
 * nice 19 — its V8 garbage-collection threads included, which a worker thread shares with the
 * service at normal priority — and whose heap is not the service's. `thread`: a worker thread
 * (only its own thread is niced); kept to measure the difference (`npm run bench -- retrain`).
 */
export type TrainIsolation = 'process' | 'thread';

/** A running training job: its messages, its end, and how to stop it. */
export interface TrainProcess {
  /** The child's process id (undefined in a worker thread). */
  readonly pid: number | undefined;
  onMessage(listener: (m: TrainMessage) => void): void;
  /** The job could not start or crashed (not called for a normal exit). */
  onError(listener: (err: Error) => void): void;
  /** It ended, for whatever reason; `code` null and `signal` set when it was killed (the kernel's OOM killer: SIGKILL). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Stops it; resolves once it has exited. */
  terminate(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./train-worker.js', import.meta.url));

/** The lowest CPU priority (nice value) on Linux: the default for training. */
export const LOWEST_PRIORITY = 19;

/** Starts `job` (at its `nice` value) in a child process or a worker thread. */
export function startTraining(job: TrainJob, isolation: TrainIsolation): TrainProcess {
  return isolation === 'thread' ? inThread(job) : inChild(job);
}

function inThread(job: TrainJob): TrainProcess {
  const worker = new Worker(ENTRY, { workerData: job });
  return {
    pid: undefined,
    onMessage: (l) => void worker.on('message', l),
    onError: (l) => void worker.on('error', l),
    onExit: (l) => void worker.on('exit', (code) => l(code, null)),
    terminate: async () => void (await worker.terminate()),
  };
}

function inChild(job: TrainJob): TrainProcess {
  // `advanced` serialization is the structured clone a worker thread gets: typed arrays
  // arrive as typed arrays. No execArgv: a test runner's or profiler's flags are not the job's.
  const child: ChildProcess = fork(ENTRY, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // At once, from here: the child's main thread then loads its modules (tfjs, onnxruntime, the
  // trainers: seconds of CPU) already niced, and every thread it starts later inherits the value.
  // The child renices its remaining threads (V8's, started before this) when the job arrives.
  try {
    if (child.pid !== undefined) setPriority(child.pid, job.nice);
  } catch {
    // Not permitted here (some containers): the child still tries for itself.
  }
  child.send(job);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid,
    onMessage: (l) => void child.on('message', (m) => l(m as TrainMessage)),
    onError: (l) => void child.on('error', l),
    onExit: (l) => void child.on('exit', (code, signal) => l(code, signal)),
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
