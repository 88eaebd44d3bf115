// Entry of the model check's worker thread (model-check.ts): one check, its outcome posted back.
// Creating an onnxruntime session and running the reference batch blocks the thread that does
// it for 50–400 ms; here that thread is not the service's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { checkScoringModel, type ScoringKind } from '@premonitor/ml/scoring';

const { kind, bytes } = workerData as { kind: ScoringKind; bytes: Uint8Array };
parentPort!.postMessage(await checkScoringModel(bytes, kind));
