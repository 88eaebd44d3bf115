// Entry of a retraining run, in a child process (the default) or a worker thread: the kind's
// run loads its samples, trains, and scores the candidate and the champion on the same
// held-out samples, off the service's event loop, so the API and scoring stay responsive.
// The runner kills it (or terminates the thread) to cancel.
import { readdirSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { FileArtifactStore } from '@premonitor/registry';
import { runAcoustic } from './acoustic-run.js';
import { runThermal } from './thermal-run.js';
import type { TrainJob, TrainMessage } from './train-job.js';

const post = (m: TrainMessage, transfer: ArrayBuffer[] = []): void => {
  if (parentPort) parentPort.postMessage(m, transfer);
  else process.send?.(m);
};

/**
 * The job's CPU priority (nice 19, the lowest, by default). On Linux a nice value is per thread and threads inherit it from the
 * thread that creates them: in a child process every thread that exists now (V8's platform
 * threads for garbage collection and compilation, libuv's pool) is reniced by its id, and
 * any later one inherits. In a worker thread only the calling thread (pid 0) can be: the
 * other threads are the service's. Where lowering is not allowed, the run keeps the priority.
 */
function yieldCpu(nice: number): void {
  const threads = parentPort ? ['0'] : listThreads();
  for (const tid of threads) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // Not permitted here (some containers), or the thread ended: training still works, only less politely.
    }
  }
}

/**
 * In a child process: first in line for the out-of-memory killer (raising one's own score needs
 * no privilege), so a run that outgrows the container's limit is what dies — reported as a
 * failed run — and never the service beside it.
 */
function yieldMemory(): void {
  if (parentPort) return;
  try {
    writeFileSync('/proc/self/oom_score_adj', '1000');
  } catch {
    // No /proc here: the kernel chooses by size alone.
  }
}

function listThreads(): string[] {
  try {
    return readdirSync('/proc/self/task');
  } catch {
    return ['0'];
  }
}

async function run(job: TrainJob): Promise<void> {
  yieldCpu(job.nice);
  yieldMemory();
  const context = { job, store: new FileArtifactStore(job.sampleStoreDir), log: (line: string) => post({ type: 'log', line }), post };
  const outcome = job.kind === 'acoustic' ? await runAcoustic(context) : await runThermal(context);
  const bytes = outcome.bytes.slice();
  const chart = outcome.chart.slice();
  // Peak resident memory of the training (KiB → MiB): in a child process it is the run's own, the figure a pod limit needs.
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  post({ type: 'done', version: outcome.version, bytes, chart, evaluation: outcome.evaluation, normalScores: outcome.normalScores, ...(outcome.inputSpectrum ? { inputSpectrum: outcome.inputSpectrum } : {}), lineage: outcome.lineage, peakRssMiB }, [bytes.buffer as ArrayBuffer, chart.buffer as ArrayBuffer]);
}

const fail = (err: unknown) => post({ type: 'failed', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
if (parentPort) run(workerData as TrainJob).catch(fail);
else {
  // A child process: the job arrives over IPC; when the service goes away, so does the run.
  process.once('message', (job) => void run(job as TrainJob).catch(fail));
  process.once('disconnect', () => process.exit(1));
}
