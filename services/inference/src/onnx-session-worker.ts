// Worker-thread entry of OnnxWorkerPool: holds onnxruntime sessions (one per loaded model) and
// runs the batches the main thread posts, so a model run never blocks the service's event loop.
// It also decodes uploads (WAV decoding and resampling, thermal matrix parsing), the other
// CPU-bound work a request can cause.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { BaselineFeed, BaselineSpec } from '@premonitor/ml';
import { runScoringSession, scoringSessionOptions, type IoDescription, type SessionContract } from '@premonitor/ml/scoring';
import { decodeUpload, type DecodedUpload, type UploadLimits, type UploadRefusal, type UploadTarget } from './upload-decoder.js';

/** Main → worker. A run's `input` buffer is transferred, not copied. */
export type WorkerRequest =
  | {
      readonly type: 'load';
      readonly model: number;
      readonly bytes: Uint8Array;
      readonly intraOpThreads: number;
      readonly inputName: string;
      readonly version: string;
      readonly frameShape: readonly number[];
      readonly baseline: BaselineSpec | undefined;
    }
  | { readonly type: 'run'; readonly id: number; readonly model: number; readonly input: Float32Array; readonly rows: number; readonly baselines?: BaselineFeed }
  | { readonly type: 'decode-upload'; readonly id: number; readonly bytes: Uint8Array; readonly target: UploadTarget; readonly limits: UploadLimits }
  | { readonly type: 'release'; readonly model: number }
  /** Finish the runs in flight, release every session, then let the thread end. */
  | { readonly type: 'close' };

/** Worker → main. */
export type WorkerReply =
  | { readonly type: 'loaded'; readonly model: number; readonly inputs: readonly IoDescription[]; readonly outputs: readonly IoDescription[] }
  | { readonly type: 'load-failed'; readonly model: number; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly score: Float32Array; readonly error: Float32Array; readonly fleetScore?: Float32Array; readonly embedding?: Float32Array }
  | { readonly type: 'run-failed'; readonly id: number; readonly message: string; readonly contract: boolean }
  | { readonly type: 'decoded'; readonly id: number; readonly result: DecodedUpload | UploadRefusal }
  | { readonly type: 'decode-failed'; readonly id: number; readonly message: string };

interface Loaded {
  readonly session: ort.InferenceSession;
  readonly contract: SessionContract;
}

const port = parentPort;
if (port) {
  const sessions = new Map<number, Loaded>();
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  port.on('message', (request: WorkerRequest) => {
    switch (request.type) {
      case 'load':
        ort.InferenceSession.create(request.bytes, scoringSessionOptions({ intraOpThreads: request.intraOpThreads })).then(
          (session) => {
            const { inputName, version, frameShape, baseline } = request;
            sessions.set(request.model, { session, contract: { inputName, version, frameShape, baseline } });
            reply({ type: 'loaded', model: request.model, inputs: session.inputMetadata, outputs: session.outputMetadata });
          },
          (err: unknown) => reply({ type: 'load-failed', model: request.model, message: (err as Error).message }),
        );
        break;
      case 'run': {
        const loaded = sessions.get(request.model);
        if (!loaded) {
          reply({ type: 'run-failed', id: request.id, message: `model #${request.model} is not loaded in this worker`, contract: false });
          break;
        }
        track(
          runScoringSession(loaded.session, loaded.contract, request.input, request.rows, request.baselines).then(
            // Copies: output tensors may live in native memory that cannot be transferred.
            ({ score, error, fleetScore, embedding }) =>
              reply({
                type: 'result',
                id: request.id,
                score: Float32Array.from(score),
                error: Float32Array.from(error),
                ...(fleetScore && embedding ? { fleetScore: Float32Array.from(fleetScore), embedding: Float32Array.from(embedding) } : {}),
              }),
            (err: unknown) => reply({ type: 'run-failed', id: request.id, message: (err as Error).message, contract: (err as Error).name === 'ModelContractError' }),
          ),
        );
        break;
      }
      case 'decode-upload': {
        let result: DecodedUpload | UploadRefusal;
        try {
          result = decodeUpload(request.bytes, request.target, request.limits);
        } catch (err) {
          reply({ type: 'decode-failed', id: request.id, message: (err as Error).message });
          break;
        }
        reply({ type: 'decoded', id: request.id, result }, result.ok ? [result.packed.buffer as ArrayBuffer] : []);
        break;
      }
      case 'release': {
        const loaded = sessions.get(request.model);
        sessions.delete(request.model);
        if (loaded) track(loaded.session.release());
        break;
      }
      case 'close':
        // Terminating a thread while onnxruntime still holds sessions aborts the whole process
        // ("terminate called after throwing Napi::Error"), so sessions go first, then the port.
        void (async () => {
          await Promise.allSettled([...inFlight]);
          const open = [...sessions.values()];
          sessions.clear();
          await Promise.allSettled(open.map((l) => l.session.release()));
          port.close();
        })();
        break;
    }
  });
}
