import { Worker } from 'node:worker_threads';
import { isScoringKind, type ModelCheckOutcome, type ScoringKind } from '@premonitor/ml/scoring';

/**
 * Checks model bytes before they may become production: resolves the outcome, or undefined
 * for a kind without a check. Injected into `ModelRegistry`; the default is
 * {@link checkScoringContract}.
 */
export type ModelCheck = (kind: string, bytes: Uint8Array) => Promise<ModelCheckOutcome | undefined>;

/**
 * The default check: acoustic and thermal models against their scoring contract (I/O names,
 * types and shapes, metadata, the reference batch in onnxruntime — `@premonitor/ml/scoring`);
 * other kinds (forecast) have no contract here and are not checked. It runs in a worker thread
 * of its own: the session and the reference batch blocked the caller's event loop for 50–435 ms
 * per check (measured on the shipped models at load 6–8), twice per retraining run (register,
 * promote) on the loop that serves the API and scores frames.
 */
export const checkScoringContract: ModelCheck = async (kind, bytes) => (isScoringKind(kind) ? checkInWorker(kind, bytes) : undefined);

const ENTRY = new URL('./model-check-worker.js', import.meta.url);

function checkInWorker(kind: ScoringKind, bytes: Uint8Array): Promise<ModelCheckOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { kind, bytes } });
    worker.once('message', (outcome: ModelCheckOutcome) => {
      resolve(outcome);
      void worker.terminate();
    });
    worker.once('error', reject);
    // After an answer this rejects nothing (a settled promise stays settled).
    worker.once('exit', (code) => reject(new Error(`the model check's worker thread exited (code ${code}) without an answer`)));
  });
}
