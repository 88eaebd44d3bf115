// Trains a triage model off the API's thread: the records in, the ONNX bytes and the report out.
import { parentPort, workerData } from 'node:worker_threads';
import { trainTriageModel, type TriageRecord, type TriageTrainingReport } from '@premonitor/training/triage';

/** What the worker is given. */
export interface TriageTrainJob {
  readonly records: readonly TriageRecord[];
  readonly version: string;
  /** ms since the epoch: the training's time. */
  readonly now: number;
}

/** What the worker answers. */
export type TriageTrainMessage = { readonly type: 'done'; readonly bytes: Uint8Array; readonly report: TriageTrainingReport } | { readonly type: 'failed'; readonly error: string };

const job = workerData as TriageTrainJob;
trainTriageModel(job.records, { version: job.version, now: new Date(job.now) }).then(
  ({ modelBytes, report }) => parentPort!.postMessage({ type: 'done', bytes: modelBytes, report } satisfies TriageTrainMessage),
  (err: unknown) => parentPort!.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies TriageTrainMessage),
);
