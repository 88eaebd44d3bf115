// Worker-thread entry of a retraining run: the kind's run loads its samples, trains, and scores
// the candidate and the champion on the same held-out samples. Runs off the service's event
// loop, so the API and scoring stay responsive; the runner terminates it to cancel.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { FileArtifactStore } from '@premonitor/registry';
import { runAcoustic } from './acoustic-run.js';
import { runThermal } from './thermal-run.js';
import type { TrainJob, TrainMessage } from './train-job.js';

const post = (m: TrainMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

/**
 * Lowest CPU priority for this thread: on Linux a nice value is per thread, and pid 0 is the
 * calling thread, so the service's event loop (the API, scoring) keeps its priority while the
 * run takes what is left. Where that is not allowed, the run keeps the process's priority.
 */
function yieldCpu(): void {
  try {
    setPriority(0, 19);
  } catch {
    // Not permitted here (some containers): training still works, only less politely.
  }
}

async function run(job: TrainJob): Promise<void> {
  yieldCpu();
  const context = { job, store: new FileArtifactStore(job.sampleStoreDir), log: (line: string) => post({ type: 'log', line }), post };
  const outcome = job.kind === 'acoustic' ? await runAcoustic(context) : await runThermal(context);
  const bytes = outcome.bytes.slice();
  const chart = outcome.chart.slice();
  post({ type: 'done', version: outcome.version, bytes, chart, evaluation: outcome.evaluation, normalScores: outcome.normalScores, lineage: outcome.lineage }, [bytes.buffer as ArrayBuffer, chart.buffer as ArrayBuffer]);
}

run(workerData as TrainJob).catch((err: unknown) => post({ type: 'failed', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
