// npm run bench -- upload [--cases 100hz,4mib,4mib-16k,5mib,48k-10s] [--model models/acoustic.onnx]
// Hostile and valid uploads to POST /api/v1/inference/acoustic/score, one at a time, against
// an acoustic inference (shipped model, PGlite, in-process bus) in this process; the client runs
// in a worker thread so the main event loop carries only the server. For each: the answer and
// its time, the worst event-loop delay of the server's loop and the worst /healthz round trip
// while it ran (a probe every 20 ms), CPU of the process, and how far RSS rose.
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference } from '@premonitor/inference';
import { writeWav } from '@premonitor/ml/data';
import { round } from '@premonitor/testkit';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100hz,4mib,4mib-16k,5mib,48k-10s' },
    model: { type: 'string', default: join(root, 'models/acoustic.onnx') },
  },
});
const logger = createLogger({ service: 'bench-upload', level: 'warn' });

/** A 16-bit mono WAV of `samples` samples whose header says `rate` Hz. */
function wav(rate: number, samples: number): Uint8Array {
  return writeWav(Float32Array.from({ length: samples }, (_, i) => 0.1 * Math.sin(i / 3)), rate);
}

interface ClientResult {
  readonly status: number;
  readonly answer: { error?: string | number; message?: string; score?: number };
  readonly ms: number;
  readonly healthWorst: number;
  readonly probes: number;
  /** Probes that failed (connection reset). */
  readonly healthErrors: number;
  readonly rssPeak: number;
}

/**
 * The client side, in a worker thread with its own event loop, so the server's loop (this
 * thread) carries only the server's work: it warms up, then sends the upload while polling
 * /healthz every 20 ms and sampling the process RSS.
 */
async function runClient(base: string, body: Uint8Array): Promise<ClientResult> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     (async () => {
      try {
       const { base, body } = workerData;
       await fetch(base + '/healthz').then((r) => r.arrayBuffer());
       let running = true, healthWorst = 0, probes = 0, healthErrors = 0, rssPeak = process.memoryUsage.rss();
       const probing = (async () => {
         while (running) {
           const t0 = performance.now();
           // A server whose loop stalled past its keep-alive timeout resets the connection: count it.
           await fetch(base + '/healthz').then((r) => r.arrayBuffer(), () => healthErrors++);
           healthWorst = Math.max(healthWorst, performance.now() - t0);
           probes++;
           rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
           await new Promise((r) => setTimeout(r, 20));
         }
       })();
       const t0 = performance.now();
       const res = await fetch(base + '/api/v1/inference/acoustic/score', { method: 'POST', headers: { 'content-type': 'audio/wav' }, body });
       const answer = await res.json();
       const ms = performance.now() - t0;
       running = false;
       await probing;
       parentPort.postMessage({ status: res.status, answer, ms, healthWorst, probes, healthErrors, rssPeak: Math.max(rssPeak, process.memoryUsage.rss()) });
      } catch (err) {
       parentPort.postMessage({ failed: String(err && err.cause ? err.message + ': ' + err.cause : err) });
      }
     })();`,
    { eval: true, workerData: { base, body } },
  );
  const [result] = (await once(worker, 'message')) as [ClientResult | { failed: string }];
  await worker.terminate();
  if ('failed' in result) throw new Error(`the upload client failed: ${result.failed}`);
  return result;
}

const CASES: Record<string, () => Uint8Array> = {
  // The case: 200 kB declaring 100 Hz (1,000 s of audio: 160× upsampling to 16 kHz).
  '100hz': () => wav(100, 100_000),
  // Just under the 4 MiB upload limit, also declaring 100 Hz.
  '4mib': () => wav(100, (4 * 1024 * 1024 - 44) >> 1),
  // Just under the limit at 16 kHz: 131 s of audio.
  '4mib-16k': () => wav(16_000, (4 * 1024 * 1024 - 44) >> 1),
  // Over the 4 MiB upload limit.
  '5mib': () => wav(16_000, (5 * 1024 * 1024) >> 1),
  // A valid upload at the limits: 10 s at 48 kHz (resampled to 16 kHz).
  '48k-10s': () => wav(48_000, 480_000),
};

const dir = await mkdtemp(join(tmpdir(), 'pm-bench-upload-'));
const db = await openDatabase({ kind: 'pglite', dataDir: join(dir, 'pg') });
await migrate(db, { schema: PLATFORM_SCHEMA });
const bus = new InProcessBus();
await bus.start();
const models = new ModelRegistry({ db: db.db, bus, store: new MemoryArtifactStore(), logger });
await models.register({ kind: 'acoustic', bytes: new Uint8Array(await readFile(resolve(args.model!))) });
const inference = new Inference(
  { kind: 'acoustic', batchSize: 16, batchMaxWaitMs: 5, ortThreads: 1, maxAckPending: 100, maxUploadBytes: 4 * 1024 * 1024, deadLetterMaxBytes: 1024, instanceId: 'bench' },
  { db, bus, logger, registry: createRegistry('bench-upload', false), models },
);
await inference.start();
const http = new HttpServer({ logger, registry: createRegistry('bench-upload-http', false), readiness: inference.readiness, routers: [{ path: '/api/v1', router: inference.router }], portSetting: 'HTTP_PORT' });
const base = `http://127.0.0.1:${await http.start(0)}`;

try {
  for (const name of args.cases!.split(',')) {
    const make = CASES[name];
    if (!make) throw new Error(`unknown case '${name}' (known: ${Object.keys(CASES).join(', ')})`);
    const body = make();
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const { status, answer, ms, healthWorst, probes, healthErrors, rssPeak } = await runClient(base, body);
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    console.log(
      JSON.stringify({
        bench: 'upload',
        case: name,
        bytes: body.byteLength,
        status,
        answer: status === 200 ? `score ${answer.score?.toFixed(3)}` : answer.error,
        message: answer.message?.slice(0, 160),
        answer_ms: round(ms, 1),
        // The whole process: server, worker threads and the client thread.
        cpu_ms: round((cpu.user + cpu.system) / 1000, 1),
        event_loop_delay_max_ms: round(loop.max / 1e6, 1),
        healthz_worst_ms: round(healthWorst, 1),
        healthz_probes: probes,
        healthz_failed: healthErrors,
        rss_growth_mb: round((rssPeak - rssBefore) / 2 ** 20, 1),
      }),
    );
  }
} finally {
  await http.stop();
  await inference.stop();
  await bus.stop();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
