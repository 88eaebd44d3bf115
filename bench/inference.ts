// npm run bench -- inference [--seconds N] [--batch-size N] [--threads N] [--workers N] [--pipeline-depth N] [--kinds acoustic,thermal] [--db postgres|pglite] [--devices N] [--enrolled 0…1]
// Service throughput through the bus (InProcessBus → Inference → scores table + score events)
// and, in the same run, bare onnxruntime-node throughput on the same model: the ceiling.
// Frames come from `--devices` devices in turn, of which the `--enrolled` share has a ready
// baseline (scored against it, as in a settled deployment); the others are enrolling. The bare
// run feeds the same share of rows with a baseline, so both sides do the same model work.
// CPU per item (this process: event loop + onnxruntime worker threads) is printed beside each
// throughput, since wall-clock figures move with whatever else shares the two cores.
import { parseArgs } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busSubjects, deviceKey, deviceMessageId, encodeFrame, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import { fitBaseline, packBaselineFeed, type BaselineFeed } from '@premonitor/ml';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { createRegistry } from '@premonitor/http';
import { MemoryArtifactStore, ModelRegistry } from '@premonitor/registry';
import { Inference, OnnxScoringModel, OnnxWorkerPool, WorkerScoringModel, float32ToBytes, type ScoringModel } from '@premonitor/inference';
import { rowLength } from '@premonitor/ml/scoring';
import { CpuMeter } from './support/cpu-meter.js';
import { benchModel, type BenchModel } from './support/inference-models.js';
import { ScratchDatabase, fmt, percentile, round } from '@premonitor/testkit';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '256' },
    threads: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    'pipeline-depth': { type: 'string' },
    kinds: { type: 'string', default: 'acoustic,thermal' },
    db: { type: 'string', default: 'postgres' },
    devices: { type: 'string', default: '100' },
    enrolled: { type: 'string', default: '1' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const seconds = Number(args.seconds);
const batchSize = Number(args['batch-size']);
const threads = Number(args.threads);
const workers = Number(args.workers);
const pipelineDepth = args['pipeline-depth'] === undefined ? undefined : Number(args['pipeline-depth']);
const kinds = args.kinds!.split(',') as FrameKind[];
const deviceCount = Number(args.devices);
const enrolledShare = Number(args.enrolled);
if (!(Number.isInteger(deviceCount) && deviceCount >= 1) || !(enrolledShare >= 0 && enrolledShare <= 1)) {
  console.error('--devices must be a whole number ≥ 1 and --enrolled a share between 0 and 1');
  process.exit(2);
}
const enrolledCount = Math.round(deviceCount * enrolledShare);
const logger = createLogger({ service: 'bench-inference', level: 'warn' });
const root = fileURLToPath(new URL('../../', import.meta.url));

interface KindResult {
  readonly servicePerS: number;
  readonly barePerS: number;
  readonly serviceCpuMs: number;
  readonly bareCpuMs: number;
  readonly p50: number;
  readonly p99: number;
}

/** One frame's wire bytes; content varies a little so no run is trivially cached. */
function makeFrame(kind: FrameKind, seq: number): Uint8Array {
  if (kind === 'acoustic') {
    const samples = Int16Array.from({ length: 16_000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * (200 + (seq % 50)) * i) / 16_000)));
    return encodeFrame({ kind, ts: 1_700_000_000_000 + seq, seq, sampleRate: 16_000, samples });
  }
  const celsius = Float32Array.from({ length: 32 * 24 }, (_, i) => 25 + ((i * 31 + seq) % 17));
  return encodeFrame({ kind, ts: 1_700_000_000_000 + seq, seq, width: 32, height: 24, celsius });
}

/** Wall throughput, CPU ms per item (this process, all threads) and machine load of `loop`. */
async function measured(loop: () => Promise<number>): Promise<{ perS: number; cpuMs: number; machinePercent: number }> {
  const meter = new CpuMeter(new Map());
  await meter.start();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const items = await loop();
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const usage = await meter.stop();
  return { perS: items / wall, cpuMs: (cpu.user + cpu.system) / 1000 / items, machinePercent: usage.machinePercent };
}

/**
 * Bare onnxruntime-node on the same model: one session on this thread, batches back to back
 * (`--workers 1`), or with `--workers N` N worker-thread sessions kept busy at once — the
 * ceiling at the service's own parallelism.
 */
async function bare(kind: FrameKind, model: BenchModel): Promise<{ perS: number; cpuMs: number }> {
  const pool = workers > 1 ? new OnnxWorkerPool(workers) : undefined;
  const session: ScoringModel = pool
    ? await WorkerScoringModel.load(pool, model.bytes, kind, 'bench', { intraOpThreads: threads })
    : await OnnxScoringModel.load(model.bytes, kind, 'bench', { intraOpThreads: threads });
  const template = Float32Array.from({ length: batchSize * rowLength(session) }, (_, i) => (kind === 'acoustic' ? 0.2 * Math.sin(i / 7) : 25 + (i % 13)));
  // The same share of rows as in the service run is compared with a baseline (rows in device order).
  const baseline = session.baseline ? await benchBaseline(session) : undefined;
  const feed = session.baseline && baseline ? packBaselineFeed(session.baseline, Array.from({ length: batchSize }, (_, r) => (r % deviceCount < enrolledCount ? baseline : undefined))) : undefined;
  // The worker model takes ownership of each input buffer, so it gets a fresh copy per run.
  const input = () => (workers > 1 ? template.slice() : template);
  const feeds = (): BaselineFeed | undefined => (feed && workers > 1 ? { baseline: feed.baseline.slice(), enrolled: feed.enrolled.slice() } : feed);
  await Promise.all(Array.from({ length: Math.max(1, workers) }, () => session.run(input(), batchSize, feeds())));
  const result = await measured(async () => {
    let rows = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.max(1, workers) }, async () => {
        while (performance.now() - started < seconds * 1000) {
          await session.run(input(), batchSize, feeds());
          rows += batchSize;
        }
      }),
    );
    return rows;
  });
  await session.release();
  await pool?.close();
  console.log(`${kind}: bare onnxruntime ${fmt(result.perS)}/s, ${round(result.cpuMs, 3)} CPU-ms per item (machine busy ${result.machinePercent.toFixed(0)} % of 200 %)`);
  return result;
}

/** A baseline fitted (as enrollment would) from the embeddings of the bench's own frames, scored against the fleet. */
async function benchBaseline(session: ScoringModel): Promise<Float32Array> {
  const spec = session.baseline!;
  const width = rowLength(session);
  const input = new Float32Array(spec.frames * width);
  for (let r = 0; r < spec.frames; r++) {
    for (let i = 0; i < width; i++) input[r * width + i] = session.kind === 'acoustic' ? 0.2 * Math.sin((2 * Math.PI * (200 + r) * i) / 16_000) : 25 + ((i * 31 + r) % 17);
  }
  const out = await session.run(input, spec.frames);
  return fitBaseline(spec, Array.from({ length: spec.frames }, (_, r) => out.embedding!.slice(r * spec.embedding, (r + 1) * spec.embedding)));
}

/** Stores a ready baseline for the first `enrolledCount` devices, as enrollment would have left them. */
async function enrollDevices(handle: DatabaseHandle, kind: FrameKind, model: BenchModel, devices: readonly DeviceRef[]): Promise<void> {
  const probe = await OnnxScoringModel.load(model.bytes, kind, 'bench', { intraOpThreads: 1 });
  try {
    if (!probe.baseline || enrolledCount === 0) return;
    const bytes = float32ToBytes(await benchBaseline(probe));
    const spec = probe.baseline;
    await handle.db
      .insertInto('device_baselines')
      .values(devices.slice(0, enrolledCount).map((ref) => ({ device_id: deviceKey(ref), kind, model_version: model.version, status: 'ready' as const, method: spec.method, frames: spec.frames, accepted: spec.frames, baseline: bytes, ready_at: new Date() })))
      .execute();
  } finally {
    await probe.release();
  }
}

async function service(kind: FrameKind, model: BenchModel, handle: DatabaseHandle, ceiling: { perS: number; cpuMs: number }): Promise<KindResult> {
  const bus = new InProcessBus();
  await bus.start();
  const registry = new ModelRegistry({ db: handle.db, bus, store: new MemoryArtifactStore(), logger });
  await registry.register({ kind, bytes: model.bytes, version: model.version });
  const devices = Array.from({ length: deviceCount }, (_, i) => ({ site: 'bench', device: `${kind}-${i}` }));
  await enrollDevices(handle, kind, model, devices);
  const inference = new Inference(
    {
      kind,
      batchSize,
      batchMaxWaitMs: 5,
      ortThreads: threads,
      ortWorkers: workers,
      ...(pipelineDepth === undefined ? {} : { pipelineDepth }),
      maxAckPending: 8 * batchSize,
      maxUploadBytes: 1 << 20,
      deadLetterMaxBytes: 1024,
      instanceId: 'bench',
    },
    { db: handle, bus, logger, registry: createRegistry(`bench-${kind}`, false), models: registry },
  );
  await inference.start();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let scored = 0;
  let againstDevice = 0;
  await bus.consume({ stream: busSubjects.scores.stream, durable: `bench-${kind}`, filterSubject: `pm.scores.${kind}.>` }, (m) => {
    // The seq only: a zod validation per event would charge the harness's consumer to the service.
    const { seq, reference } = JSON.parse(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('utf8')) as { seq: number; reference?: string };
    if (reference === 'device') againstDevice++;
    const t = sentAt.get(seq);
    if (t !== undefined) latencies.push(performance.now() - t);
    sentAt.delete(seq);
    scored++;
    m.ack();
  });
  const subjects = devices.map((ref) => busSubjects.frames.subject(kind, ref));
  const frames = Array.from({ length: 64 }, (_, i) => makeFrame(kind, i));
  let seq = 0;
  const publish = async () => {
    seq++;
    const bytes = new Uint8Array(frames[seq % frames.length]!);
    new DataView(bytes.buffer).setUint32(16, seq, true);
    sentAt.set(seq, performance.now());
    const d = seq % deviceCount;
    await bus.publish(subjects[d]!, bytes, { msgId: deviceMessageId(devices[d]!, kind, seq) });
  };

  // Phase 1, throughput: for `seconds`, keep the service saturated with a bounded backlog
  // (a few batches beyond what it is working on), as a consumer would see a busy stream.
  const window = batchSize * 6;
  const throughput = await measured(async () => {
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      if (seq - scored < window) {
        await publish();
        if (seq % batchSize === 0) await new Promise((r) => setImmediate(r));
      } else await new Promise((r) => setTimeout(r, 1));
    }
    const total = seq;
    while (scored < total) await new Promise((r) => setTimeout(r, 2));
    return total;
  });
  const servicePerS = throughput.perS;
  const total = seq;

  // Phase 2, latency: an even load at half the measured throughput, publish → score event.
  latencies.length = 0;
  const rate = servicePerS / 2;
  const latencyFrames = Math.round(rate * Math.min(seconds, 3));
  const phaseStart = performance.now();
  for (let i = 0; i < latencyFrames; i++) {
    const due = phaseStart + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    await publish();
  }
  while (scored < total + latencyFrames) await new Promise((r) => setTimeout(r, 2));
  const result = { servicePerS, barePerS: ceiling.perS, serviceCpuMs: throughput.cpuMs, bareCpuMs: ceiling.cpuMs, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  await inference.stop();
  await bus.stop();
  console.log(
    `${kind}: service ${fmt(servicePerS)}/s (${round((100 * servicePerS) / ceiling.perS)} % of bare ${fmt(ceiling.perS)}/s), ` +
      `${round(throughput.cpuMs, 3)} CPU-ms per item in this process (bare ${round(ceiling.cpuMs, 3)}; machine busy ${throughput.machinePercent.toFixed(0)} % of 200 %); ` +
      `latency at ${fmt(rate)}/s: p50 ${round(result.p50, 1)} ms, p99 ${round(result.p99, 1)} ms; ` +
      `${round((100 * againstDevice) / Math.max(1, scored))} % of frames scored against their device's baseline`,
  );
  return result;
}

async function openBenchDatabase(): Promise<{ handle: DatabaseHandle; label: string; close(): Promise<void> }> {
  if (args.db === 'postgres') {
    try {
      const scratch = await ScratchDatabase.create(args['database-url']!, logger, 4, PLATFORM_SCHEMA);
      return { handle: scratch.handle, label: `PostgreSQL (${scratch.name})`, close: () => scratch.drop() };
    } catch (err) {
      console.log(`PostgreSQL at ${args['database-url']} unusable (${(err as Error).message}); using PGlite`);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'pm-bench-inference-'));
  const handle = await openDatabase({ kind: 'pglite', dataDir: dir });
  await migrate(handle, { schema: PLATFORM_SCHEMA });
  return { handle, label: 'PGlite (in-process)', close: async () => (await handle.close(), await rm(dir, { recursive: true, force: true })) };
}

const db = await openBenchDatabase();
console.log(
  `inference bench: batch ${batchSize}, ${workers} onnxruntime worker(s) × ${threads} intra-op thread(s), pipeline depth ${pipelineDepth ?? workers + 1}, ` +
    `${seconds} s per phase, InProcessBus, scores persisted to ${db.label}; ${deviceCount} devices, ${enrolledCount} of them enrolled`,
);
const results = {} as Record<FrameKind, KindResult>;
try {
  for (const kind of kinds) {
    const model = benchModel(root, kind);
    console.log(`${kind}: model ${model.version} from ${model.source}`);
    const ceiling = await bare(kind, model);
    results[kind] = await service(kind, model, db.handle, ceiling);
  }
} finally {
  await db.close();
}
const a = results.acoustic as KindResult | undefined;
const t = results.thermal as KindResult | undefined;
console.log(
  JSON.stringify({
    bench: 'inference',
    acoustic_clips_per_s: a && round(a.servicePerS),
    acoustic_bare_clips_per_s: a && round(a.barePerS),
    acoustic_p99_ms: a && round(a.p99, 1),
    thermal_frames_per_s: t && round(t.servicePerS),
    thermal_bare_frames_per_s: t && round(t.barePerS),
    thermal_p99_ms: t && round(t.p99, 1),
    acoustic_cpu_ms_per_clip: a && round(a.serviceCpuMs, 3),
    acoustic_bare_cpu_ms_per_clip: a && round(a.bareCpuMs, 3),
    thermal_cpu_ms_per_frame: t && round(t.serviceCpuMs, 3),
    thermal_bare_cpu_ms_per_frame: t && round(t.bareCpuMs, 3),
  }),
);
