// Worker thread of DeviceFitter: fits device models (tfjs) off the consumer's thread, one at a time.
import { parentPort } from 'node:worker_threads';
import { useTfjsBackend } from '@premonitor/ml/training';
import { fitDeviceModelOf } from './device-model-fit.js';
import type { FitReply, FitRequest } from './device-fitter.js';

if (!parentPort) throw new Error('device-fit-worker runs as a worker thread');
const port = parentPort;
// WASM: the training's backend, several times faster than the pure-JS one on these convolutions.
const backend = useTfjsBackend('wasm');

port.on('message', (request: FitRequest) => {
  void (async (): Promise<FitReply> => {
    try {
      await backend;
      const fitted = await fitDeviceModelOf(request.family, request.keys, request.rows, request.stepMs, request.options, request.stamp);
      return { id: request.id, ok: true, fitted };
    } catch (err) {
      return { id: request.id, ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  })().then((reply) => port.postMessage(reply));
});
