/**
 * `npm run bench -- ingest --mode distributed|embedded [--burst] [--seconds 30] [--publishers 8] [--rate 0]`
 *
 * Devices → broker → ingest → database, measured end to end, next to the broker-only ceiling
 * of the same run. Phases, on one broker and one set of devices:
 *   1. ceiling: the devices publish for --seconds to a plain subscriber (no ingest);
 *   2. pipeline: ingest takes over the subscription, the devices publish for --seconds (at
 *      --rate messages/s, or flat out), then the bench waits until every acknowledged reading
 *      is a row, or progress stalls, or a time limit proportional to the backlog passes;
 *   3. --burst: --burst-messages published as fast as the devices can, drained the same way.
 * Human-readable lines first; the last line is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { createRegistry } from '@premonitor/http';
import { Ingest } from '@premonitor/ingest';
import { createLogger, type Logger } from '@premonitor/log';
import type { DatabaseHandle } from '@premonitor/db';
import { parseBenchArgs, UsageError, USAGE, type IngestBenchArgs } from './support/bench-args.js';
import { distributedStack, embeddedStack, type BenchStack } from './support/bench-stack.js';
import { CeilingSubscriber } from './support/ceiling-subscriber.js';
import { Cleanup, type PhaseResult, fmt, percentile, round } from '@premonitor/testkit';
import { CpuMeter, formatCpu, formatCpuPerMessages, type CpuUsage, type ProcessGroup } from './support/cpu-meter.js';
import { PersistProbeBus } from './support/persist-probe-bus.js';
import { PhaseProfiler } from './support/phase-profiler.js';
import { PublisherFleet } from './support/publisher-fleet.js';

const READINGS_PER_MESSAGE = 10;
/** Goals (reported, not asserted): distributed from issue 17 (was issue 2's 100,000 at 0.5), embedded from issue 2. */
const GOALS = { distributed: { readingsPerS: 200_000, ratio: 0.3 }, embedded: { readingsPerS: 20_000, ratio: 0 } } as const;

interface PipelinePhase {
  readonly publish: PhaseResult;
  readonly sentReadings: number;
  readonly storedReadings: number;
  readonly readingsPerS: number;
  readonly drainMs: number;
  /** How the wait for the rows ended. */
  readonly drain: DrainOutcome;
  /** Share of the phase during which ingest was waiting for bus acks of telemetry events. */
  readonly busShare: number;
  /** Most messages ingest held at once (received, not yet persisted and acknowledged). */
  readonly peakBacklog: number;
  readonly latencies: readonly number[];
  readonly cpu: CpuUsage;
}

/** Progress must not pause longer than this while draining. */
const DRAIN_STALL_MS = 20_000;

/** Why the wait for rows ended, and how long it was allowed to take. */
interface DrainOutcome {
  readonly reason: 'complete' | 'stalled' | 'time limit';
  readonly limitMs: number;
}

/**
 * Bounds the whole run whatever hangs. A drain may push the deadline out (its own limit is
 * proportional to the backlog it has to clear), so a long flat-out run is not cut short.
 */
class Watchdog {
  #deadline: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    budgetMs: number,
    private readonly onExpiry: (ms: number) => void,
  ) {
    this.#deadline = Date.now() + budgetMs;
    this.#arm();
  }

  /** Makes sure at least `ms` (plus a minute for cleanup) remain. */
  atLeast(ms: number): void {
    const wanted = Date.now() + ms + 60_000;
    if (wanted <= this.#deadline) return;
    this.#deadline = wanted;
    this.#arm();
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.onExpiry(this.#deadline), Math.max(0, this.#deadline - Date.now()));
    this.#timer.unref();
  }
}

let watchdog: Watchdog | undefined;

async function main(): Promise<number> {
  let args: IngestBenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  const cleanup = new Cleanup();
  const abort = (why: string, code: number) => {
    console.error(`\n${why}: cleaning up`);
    void cleanup.run().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  process.on('unhandledRejection', (err) => abort(`unhandled rejection: ${String(err)}`, 1));
  // Bounded runtime whatever hangs: set-up, publishing and a first drain allowance; drains extend it.
  const startedAt = Date.now();
  const budgetS = 240 + args.seconds * 6 + (args.burst ? 900 : 0);
  watchdog = new Watchdog(budgetS * 1000, (deadline) => abort(`bench exceeded its time budget (${Math.round((deadline - startedAt) / 1000)} s)`, 1));

  try {
    await run(args, cleanup);
    return 0;
  } finally {
    await cleanup.run();
  }
}

async function run(args: IngestBenchArgs, cleanup: Cleanup): Promise<void> {
  const logger = createLogger({ service: 'bench-ingest', level: args.logLevel, destination: process.stderr });
  const site = `bench-${randomBytes(3).toString('hex')}`;
  const stackOptions = { site, publishers: args.publishers, databaseUrl: args.databaseUrl, natsUrl: args.natsUrl, bus: args.bus, logger, cleanup };
  const stack = args.mode === 'distributed' ? await distributedStack(stackOptions) : await embeddedStack(stackOptions);

  console.log(
    `ingest bench: mode ${args.mode}, ${args.publishers} publishers × window ${args.window}, ${args.seconds} s per phase, ` +
      `pipeline rate ${args.rate > 0 ? `${fmt(args.rate)} msg/s (${fmt(args.rate * READINGS_PER_MESSAGE)} readings/s)` : 'unlimited'}, ` +
      `BATCH_SIZE ${args.batchSize}, synchronous_commit ${args.synchronousCommit ? 'on' : 'off'}, BATCH_MAX_WAIT_MS ${args.batchWaitMs}, receive maximum ${args.receiveMaximum} (MQTT ${stack.protocolVersion === 5 ? '5' : '3.1.1'}), site ${site}` +
      (args.mode === 'distributed' && args.bus === 'memory' ? ' — DIAGNOSTIC: in-process bus instead of NATS' : ''),
  );

  const fleet = await PublisherFleet.start(
    stack.devices.map((d, i) => ({
      host: stack.device.host,
      port: stack.device.port,
      // Both brokers use a device's username as its client id whatever it sends.
      clientId: d.username,
      username: d.username,
      password: d.password,
      topic: `premonitor/v1/${d.ref.site}/${d.ref.device}/telemetry`,
      window: args.window,
    })),
  );
  cleanup.add('publishers', () => fleet.stop());
  const cpuGroups = (self: string): Map<string, ProcessGroup> =>
    new Map<string, ProcessGroup>([[self, { pids: [process.pid] }], ['publishers', { pids: fleet.pid ? [fleet.pid] : [] }], ...stack.cpuGroups]);

  // ---- 1. ceiling: broker only ----
  const subscriber = await CeilingSubscriber.start({
    url: stack.coreUrl,
    username: stack.core.username,
    password: stack.core.password,
    clientId: stack.coreClientId(`${site}-ceiling`),
    protocolVersion: stack.protocolVersion,
    receiveMaximum: args.receiveMaximum,
  });
  const ceilingCpu = new CpuMeter(cpuGroups(args.mode === 'embedded' ? 'subscriber+aedes' : 'subscriber'));
  await ceilingCpu.start();
  const ceilingPub = await fleet.run({ seconds: args.seconds });
  await waitForDrain(() => subscriber.received, ceilingPub.acked, { stallMs: 10_000, timeoutMs: 120_000 });
  const ceilingCpuUse = await ceilingCpu.stop();
  await subscriber.stop();
  const ceilingMsgPerS = rate(subscriber.received, ceilingPub.firstPublishAt, subscriber.lastAt);
  const ceilingReadingsPerS = ceilingMsgPerS * READINGS_PER_MESSAGE;
  console.log(
    `ceiling (broker → plain QoS 1 subscriber): ${fmt(ceilingMsgPerS)} msg/s = ${fmt(ceilingReadingsPerS)} readings/s ` +
      `(received ${fmt(subscriber.received)} of ${fmt(ceilingPub.acked)} acked; devices published ${fmt(rate(ceilingPub.acked, ceilingPub.firstPublishAt, ceilingPub.lastAckAt))} msg/s)`,
  );
  console.log(`  cpu (100 % = one core): ${formatCpu(ceilingCpuUse)}`);
  console.log(`  cpu ms per 1,000 messages: ${formatCpuPerMessages(ceilingCpuUse, subscriber.received)}`);

  // ---- 2. pipeline: ingest in this process ----
  const probe = new PersistProbeBus(stack.bus);
  const ingest = new Ingest(
    {
      mqtt: {
        url: stack.coreUrl,
        username: stack.core.username,
        password: stack.core.password,
        clientId: stack.coreClientId(site),
        sharedGroup: '',
        receiveMaximum: args.receiveMaximum,
        protocolVersion: stack.protocolVersion,
      },
      batchSize: args.batchSize,
      batchMaxWaitMs: args.batchWaitMs,
      batchConcurrency: args.mode === 'embedded' ? 1 : args.batchConcurrency,
      deadLetterMaxBytes: 64 * 1024,
      synchronousCommit: args.synchronousCommit,
      limits: { maxJsonBytes: 64 * 1024, maxFutureSkewMs: 5 * 60_000, maxPastAgeMs: 7 * 24 * 3_600_000 },
    },
    { db: stack.db, bus: probe, logger: logger.child({ component: 'ingest' }), registry: createRegistry('bench', false) },
  );
  cleanup.add('ingest', () => ingest.stop(10_000));
  await ingest.start();
  const self = args.mode === 'embedded' ? stack.inProcess : 'ingest';

  const profiler = args.profile ? await PhaseProfiler.start(args.profile) : undefined;
  const pipeline = await pipelinePhase('pipeline', { seconds: args.seconds, rate: args.rate }, args, stack, fleet, ingest, probe, new CpuMeter(cpuGroups(self)), logger);
  if (profiler && args.profile) {
    await profiler.stop();
    console.log(`  CPU profile of the pipeline phase: ${args.profile}`);
  }
  const p50 = percentile(pipeline.latencies, 50);
  const p99 = percentile(pipeline.latencies, 99);
  const ratio = ceilingReadingsPerS > 0 ? pipeline.readingsPerS / ceilingReadingsPerS : 0;
  console.log(
    `pipeline (devices → broker → ingest → ${stack.db.kind}): ${fmt(pipeline.readingsPerS)} readings/s persisted end to end ` +
      `(first publish → last row; devices published ${fmt(rate(pipeline.publish.acked, pipeline.publish.firstPublishAt, pipeline.publish.lastAckAt) * READINGS_PER_MESSAGE)} readings/s; ` +
      `drain after the last ack ${(pipeline.drainMs / 1000).toFixed(1)} s)`,
  );
  if (args.rate > 0) {
    const offered = rate(pipeline.publish.acked, pipeline.publish.firstPublishAt, pipeline.publish.lastAckAt);
    console.log(`  target rate ${fmt(args.rate)} msg/s, devices achieved ${fmt(offered)} msg/s${offered < args.rate * 0.95 ? ' — BELOW TARGET (publishers or broker saturated)' : ''}`);
  }
  console.log(`  drain: ${drainNote(pipeline)}`);
  console.log(`  sent ${fmt(pipeline.sentReadings)} readings (${fmt(pipeline.publish.acked)} acked messages), stored ${fmt(pipeline.storedReadings)}${lossNote(pipeline, stack)}`);
  console.log(`  publish → row latency: p50 ${p50} ms, p99 ${p99} ms (${fmt(pipeline.latencies.length)} samples)`);
  console.log(`  peak ingest backlog ${fmt(pipeline.peakBacklog)} messages held unacknowledged (receive maximum ${fmt(args.receiveMaximum)}${stack.protocolVersion === 4 ? ', not enforced by MQTT 3.1.1' : ''})`);
  console.log(`  cpu (100 % = one core): ${formatCpu(pipeline.cpu)}; ingest waited for bus acks ${(100 * pipeline.busShare).toFixed(0)} % of the time`);
  console.log(`  cpu ms per 1,000 messages: ${formatCpuPerMessages(pipeline.cpu, pipeline.storedReadings / READINGS_PER_MESSAGE)}`);

  let burst: PipelinePhase | undefined;
  if (args.burst) {
    burst = await pipelinePhase('burst', { total: args.burstMessages }, args, stack, fleet, ingest, probe, new CpuMeter(cpuGroups(self)), logger);
    console.log(
      `burst: ${fmt(burst.publish.acked)} messages published at ${fmt(rate(burst.publish.acked, burst.publish.firstPublishAt, burst.publish.lastAckAt))} msg/s; ` +
        `sent ${fmt(burst.sentReadings)} readings, stored ${fmt(burst.storedReadings)}${lossNote(burst, stack)}; ` +
        `${fmt(burst.readingsPerS)} readings/s end to end, drain after the last ack ${(burst.drainMs / 1000).toFixed(1)} s`,
    );
    console.log(`  drain: ${drainNote(burst)}`);
    console.log(`  publish → row latency: p50 ${percentile(burst.latencies, 50)} ms, p99 ${percentile(burst.latencies, 99)} ms; peak ingest backlog ${fmt(burst.peakBacklog)} messages`);
    console.log(`  cpu (100 % = one core): ${formatCpu(burst.cpu)}; ingest waited for bus acks ${(100 * burst.busShare).toFixed(0)} % of the time`);
    console.log(`  cpu ms per 1,000 messages: ${formatCpuPerMessages(burst.cpu, burst.storedReadings / READINGS_PER_MESSAGE)}`);
  }

  const goal = GOALS[args.mode];
  const met = pipeline.readingsPerS >= goal.readingsPerS && ratio >= goal.ratio && pipeline.sentReadings === pipeline.storedReadings;
  console.log(
    `result: ${fmt(pipeline.readingsPerS)} readings/s vs ceiling ${fmt(ceilingReadingsPerS)} (ratio ${ratio.toFixed(2)}); ` +
      `goal ≥ ${fmt(goal.readingsPerS)} readings/s${goal.ratio ? ` and ratio ≥ ${goal.ratio}` : ''} with sent = stored: ${met ? 'MET' : 'NOT MET'}`,
  );
  const drops = stack.dropWarnings();
  if (drops !== undefined) console.log(`mosquitto "Outgoing messages are being dropped" lines: ${drops}`);

  console.log(
    JSON.stringify({
      bench: 'ingest',
      mode: args.mode,
      ...(args.rate > 0 ? { rate_msg_per_s: args.rate } : {}),
      readings_per_s: round(pipeline.readingsPerS),
      ceiling_readings_per_s: round(ceilingReadingsPerS),
      ratio: round(ratio, 3),
      p50_ms: p50,
      p99_ms: p99,
      sent: pipeline.sentReadings,
      stored: pipeline.storedReadings,
      ...(burst ? { burst_sent: burst.sentReadings, burst_stored: burst.storedReadings } : {}),
    }),
  );
}

/** Publishes (for a time or a count), waits for the rows, and measures. */
async function pipelinePhase(
  name: string,
  limit: { seconds?: number; total?: number; rate?: number },
  args: IngestBenchArgs,
  stack: BenchStack,
  fleet: PublisherFleet,
  ingest: Ingest,
  probe: PersistProbeBus,
  cpu: CpuMeter,
  logger: Logger,
): Promise<PipelinePhase> {
  const rowsBefore = await countReadings(stack.db);
  const statsBefore = ingest.stats.readingsStored;
  const stored = () => ingest.stats.readingsStored - statsBefore;
  probe.record();
  const busBefore = probe.busBusyMs;
  await cpu.start();
  const started = Date.now();
  let peakBacklog = 0;
  const sampler = setInterval(() => (peakBacklog = Math.max(peakBacklog, ingest.backlog())), 100);
  const progress = setInterval(() => {
    console.log(`  [${name} +${Math.round((Date.now() - started) / 1000)} s] ${fmt(stored())} readings stored, ingest backlog ${fmt(ingest.backlog())} messages`);
  }, 5_000);
  let publish: PhaseResult;
  let drain: DrainOutcome;
  try {
    publish = await fleet.run(limit);
    if (publish.unacked > 0) logger.warn({ unacked: publish.unacked }, 'some publishes were never acknowledged by the broker');
    const sent = publish.acked * READINGS_PER_MESSAGE;
    // Flat out, the devices outrun the pipeline and leave a queue at the broker: allow three
    // times what clearing it takes at the throughput seen while publishing (at least a minute),
    // and give up earlier if nothing is stored for DRAIN_STALL_MS.
    const publishMs = Math.max(1, Date.now() - started);
    const perMs = Math.max(stored() / publishMs, 0.1);
    const limitMs = Math.min(60 * 60_000, Math.max(60_000, (3 * Math.max(0, sent - stored())) / perMs));
    watchdog?.atLeast(limitMs);
    drain = { reason: await waitForDrain(stored, sent, { stallMs: DRAIN_STALL_MS, timeoutMs: limitMs }), limitMs };
  } finally {
    clearInterval(progress);
    clearInterval(sampler);
  }
  const cpuUse = await cpu.stop();
  const latencies = probe.takeSamples();
  const storedReadings = (await countReadings(stack.db)) - rowsBefore;
  const sentReadings = publish.acked * READINGS_PER_MESSAGE;
  return {
    publish,
    sentReadings,
    storedReadings,
    readingsPerS: rate(storedReadings, publish.firstPublishAt, probe.lastEventAt),
    drainMs: Math.max(0, probe.lastEventAt - publish.lastAckAt),
    drain,
    peakBacklog,
    busShare: (probe.busBusyMs - busBefore) / Math.max(1, probe.lastEventAt - started),
    latencies,
    cpu: cpuUse,
  };
}

/** Waits until `current()` reaches `target`, or stops growing for `stallMs`, or `timeoutMs` passes; says which. */
async function waitForDrain(current: () => number, target: number, limits: { stallMs: number; timeoutMs: number }): Promise<DrainOutcome['reason']> {
  const deadline = Date.now() + limits.timeoutMs;
  let last = current();
  let lastChange = Date.now();
  for (;;) {
    if (current() >= target) return 'complete';
    if (Date.now() >= deadline) return 'time limit';
    if (Date.now() - lastChange >= limits.stallMs) return 'stalled';
    await new Promise((r) => setTimeout(r, 20));
    const now = current();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    }
  }
}

function drainNote(phase: PipelinePhase): string {
  const limit = `${Math.round(phase.drain.limitMs / 1000)} s`;
  switch (phase.drain.reason) {
    case 'complete':
      return `complete (every acknowledged reading stored; limit was ${limit})`;
    case 'stalled':
      return `GAVE UP: nothing stored for ${DRAIN_STALL_MS / 1000} s`;
    case 'time limit':
      return `GAVE UP: still draining at the ${limit} limit (3 × backlog ÷ throughput while publishing)`;
  }
}

async function countReadings(db: DatabaseHandle): Promise<number> {
  const row = await db.db
    .selectFrom('readings')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Per second between two wall-clock instants (0 when the span is empty). */
function rate(count: number, from: number, to: number): number {
  return to > from ? (count * 1000) / (to - from) : 0;
}

function lossNote(phase: PipelinePhase, stack: BenchStack): string {
  if (phase.sentReadings === phase.storedReadings) return ' — nothing lost';
  const drops = stack.dropWarnings();
  return ` — MISSING ${fmt(phase.sentReadings - phase.storedReadings)} readings (drain ${phase.drain.reason}${drops ? `; mosquitto logged ${drops} drop warnings` : ''})`;
}

const code = await main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
});
// Everything is closed by now; exit rather than wait on a straggling timer of a client library.
process.exit(code);
