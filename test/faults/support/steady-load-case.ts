import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertEvent } from '@premonitor/contracts';
import { WebhookReceiver } from '@premonitor/testkit';
import { Verdict, type CaseContext, type CaseOutcome, type FaultCase } from '../case.js';
import { CoreStack, type CoreServiceName } from './core-stack.js';
import { JetStreamProbe, type BusyConsumer } from './jetstream-probe.js';
import { SteadyFleet, type FleetPlan, type SentMessage } from './steady-fleet.js';
import { countStore, type StoreCounts } from './store-counts.js';

/** What a steady-load fault sees while it runs. */
export interface SteadyRun {
  readonly stack: CoreStack;
  readonly fleet: SteadyFleet;
  readonly receiver: WebhookReceiver;
  readonly probe: JetStreamProbe;
  readonly verdict: Verdict;
  readonly log: (line: string) => void;
}

/** One fault injected into a running pipeline under steady load. */
export interface SteadyLoadScenario {
  readonly name: string;
  readonly summary: string;
  readonly budgetSeconds: number;
  /** Runs while the devices publish: stop something, wait, bring it back. */
  fault(run: SteadyRun): Promise<void>;
  /** Load before the fault, ms (default 6 s: every flow has carried messages). */
  readonly warmupMs?: number;
  /** Load after the fault, ms (default 5 s). */
  readonly afterMs?: number;
  /** Longest wait for the pipeline to catch up once the devices stop, ms (default 90 s). */
  readonly drainMaxMs?: number;
  /** Webhook answer delay, ms (default 0). */
  readonly receiverDelayMs?: number;
  /** Deliveries repeated under the same idempotency key are expected (the notifier killed mid-request). */
  readonly sameKeyRedeliveriesAllowed?: boolean;
}

/** The load every steady case runs: 10 telemetry devices × 2/s, 3 gas devices × 1/s (alerts), 2 microphones (1 s clip every 2 s) and 2 thermal cameras (1/s). */
export const STEADY_PLAN: Omit<FleetPlan, 'site'> = {
  telemetryDevices: 10,
  telemetryPerSecond: 2,
  gasDevices: 3,
  acousticDevices: 2,
  acousticEveryMs: 2_000,
  thermalDevices: 2,
  thermalEveryMs: 1_000,
};

const ALL_SERVICES: readonly CoreServiceName[] = ['ingest', 'acoustic-inference', 'thermal-inference', 'fusion', 'notifier'];

/**
 * A fault case under steady load, end to end: devices → Mosquitto → ingest → PostgreSQL and
 * NATS → inference → fusion → notifier → webhook receiver, every piece private to the case.
 * After the fault and a drain, counts from SQL, the bus and the receiver must agree: every
 * acknowledged telemetry message stored once, every frame scored once, every alert opened
 * delivered once (by idempotency key), nothing dead-lettered, no service crashed.
 */
export function steadyLoadCase(s: SteadyLoadScenario): FaultCase {
  return { name: s.name, summary: s.summary, budgetSeconds: s.budgetSeconds, run: (ctx) => runSteady(s, ctx) };
}

async function runSteady(s: SteadyLoadScenario, ctx: CaseContext): Promise<CaseOutcome> {
  const verdict = new Verdict();
  const site = `faults-${s.name}`;
  const receiver = new WebhookReceiver();
  receiver.responseDelayMs = s.receiverDelayMs ?? 0;
  await receiver.up();
  ctx.cleanup.add('webhook receiver', () => receiver.down());
  const fleet = new SteadyFleet({ site, ...STEADY_PLAN });
  const stack = await CoreStack.start({ deviceAccounts: fleet.accounts(), services: ALL_SERVICES, site, webhookUrl: receiver.url, pgTemplate: ctx.pgTemplate, dir: ctx.dir, cleanup: ctx.cleanup, log: ctx.log });
  const probe = await JetStreamProbe.connect(stack.nats.url);
  ctx.cleanup.add('bus probe', () => probe.close());
  await fleet.connect(stack.mosquitto.deviceUrl);
  ctx.cleanup.add('devices', () => fleet.close());

  fleet.start();
  await sleep(s.warmupMs ?? 6_000);
  const faultStarted = Date.now();
  await s.fault({ stack, fleet, receiver, probe, verdict, log: ctx.log });
  ctx.log(`fault done after ${((Date.now() - faultStarted) / 1000).toFixed(1)} s`);
  await sleep(s.afterMs ?? 5_000);
  fleet.stopPublishing();
  const unacked = await fleet.settle(30_000);
  ctx.log(`devices stopped: ${fleet.messages.length} published, ${unacked} not acknowledged by the broker`);

  const drain = await drainPipeline(stack, probe, receiver, fleet, site, s.drainMaxMs ?? 90_000);
  ctx.log(`drain: ${drain.reason} after ${(drain.ms / 1000).toFixed(1)} s`);
  const counts = await countStore(stack.db, site);
  const opens = await probe.readJson<AlertEvent>('PM_ALERTS', `pm.alerts.*.${site}.*`);
  report(verdict, s, { fleet, counts, receiver, opens: opens.filter((e) => e.to === 'open'), unacked });

  verdict.expect('no service crashed', stack.crashes.length === 0, stack.crashes.length === 0 ? 'every service still running' : stack.crashes.join('; '));
  verdict.expect('pipeline drained', drain.reason === 'complete', `${drain.reason}; busy consumers: ${describeBusy(drain.busy)}; ingest unacknowledged: ${drain.ingestPending ?? 'unknown'}`);
  // Proof that a kill's redeliveries reached fusion's dedup (not only that nothing went wrong).
  verdict.note(`fusion: ${(await stack.fusionReplays()) ?? 'unknown'} raises of redelivered events skipped`);
  const links = fleet.linkStats;
  verdict.note(`devices: ${links.disconnects} disconnects; mosquitto "being dropped" lines: ${stack.mosquitto.dropWarnings}`);
  return verdict.outcome();
}

interface Drain {
  readonly reason: 'complete' | 'idle with messages missing' | 'time limit';
  readonly ms: number;
  readonly busy: readonly BusyConsumer[];
  readonly ingestPending: number | undefined;
}

/**
 * Waits until every acknowledged message has reached its store and every alert opened has been
 * delivered, with the bus drained; or until nothing moves for 10 s with the bus idle (something
 * was lost: waiting longer would not bring it back); or `maxMs`.
 */
async function drainPipeline(stack: CoreStack, probe: JetStreamProbe, receiver: WebhookReceiver, fleet: SteadyFleet, site: string, maxMs: number): Promise<Drain> {
  const started = Date.now();
  let lastProgress = started;
  let lastSignature = '';
  let busy: BusyConsumer[] = [];
  let ingestPending: number | undefined;
  for (;;) {
    const elapsed = Date.now() - started;
    try {
      const counts = await countStore(stack.db, site);
      busy = await probe.busyConsumers();
      ingestPending = await stack.ingestPendingAcks();
      const missing = missingCounts(fleet, counts, receiver);
      const idle = busy.length === 0 && counts.outboxPending === 0 && (ingestPending ?? 0) === 0;
      if (idle && missing.telemetry + missing.frames + missing.alerts === 0) return { reason: 'complete', ms: elapsed, busy, ingestPending };
      const signature = `${counts.telemetry.size}/${counts.scores.size}/${counts.opened.size}/${receiver.hits.length}/${counts.deadLetters}/${counts.framesDeadLettered}/${busy.map((b) => b.pending + b.ackPending).join(',')}`;
      if (signature !== lastSignature) {
        lastSignature = signature;
        lastProgress = Date.now();
      } else if (idle && Date.now() - lastProgress > 10_000) {
        return { reason: 'idle with messages missing', ms: elapsed, busy, ingestPending };
      }
    } catch {
      // A database or bus still coming back: keep waiting.
    }
    if (elapsed > maxMs) return { reason: 'time limit', ms: elapsed, busy, ingestPending };
    await sleep(1_000);
  }
}

function telemetryKey(m: SentMessage): string {
  return `${m.device}#${m.seq}#${m.ts}`;
}

function frameKey(m: SentMessage): string {
  return `${m.device}#${m.channel}#${m.seq}`;
}

/** Delivered idempotency keys, without the `:channel` suffix the notifier adds. */
function deliveredKeys(receiver: WebhookReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const hit of receiver.hits) {
    if (hit.alert?.to !== 'open') continue;
    const key = hit.alert.idempotencyKey;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function missingCounts(fleet: SteadyFleet, counts: StoreCounts, receiver: WebhookReceiver): { telemetry: number; frames: number; alerts: number } {
  const delivered = deliveredKeys(receiver);
  return {
    telemetry: fleet.acked('telemetry', 'gas').filter((m) => !counts.telemetry.has(telemetryKey(m))).length,
    frames: fleet.acked('acoustic', 'thermal').filter((m) => !counts.scores.has(frameKey(m))).length,
    alerts: [...counts.opened].filter((k) => !delivered.has(k)).length,
  };
}

function report(v: Verdict, s: SteadyLoadScenario, r: { fleet: SteadyFleet; counts: StoreCounts; receiver: WebhookReceiver; opens: readonly AlertEvent[]; unacked: number }): void {
  const { fleet, counts, receiver } = r;
  const telemetry = fleet.acked('telemetry', 'gas');
  const telemetryStored = telemetry.filter((m) => counts.telemetry.has(telemetryKey(m))).length;
  const readingDuplicates = counts.readingRows - counts.readingsDistinct;
  const lost = (sent: number, stored: number, dead: number) => Math.max(0, sent - stored - dead);
  v.row({ flow: 'telemetry', sent: telemetry.length, stored: telemetryStored, lost: lost(telemetry.length, telemetryStored, counts.deadLetters), duplicates: readingDuplicates, deadLettered: counts.deadLetters });
  v.equal('telemetry: every acknowledged message stored', telemetryStored, telemetry.length, 'stored');
  v.equal('telemetry: no reading stored twice', readingDuplicates, 0, 'duplicate reading rows');

  const frames = fleet.acked('acoustic', 'thermal');
  const scored = frames.filter((m) => counts.scores.has(frameKey(m))).length;
  const scoreDuplicates = counts.scoreRows - counts.scores.size;
  v.row({ flow: 'frames → scores', sent: frames.length, stored: scored, lost: lost(frames.length, scored, counts.framesDeadLettered), duplicates: scoreDuplicates, deadLettered: counts.framesDeadLettered });
  v.equal('frames: every acknowledged frame scored', scored, frames.length, 'scored');
  v.equal('frames: no frame scored twice', scoreDuplicates, 0, 'duplicate score rows');
  v.equal('no valid message dead-lettered', counts.deadLetters + counts.framesDeadLettered, 0, 'dead letters');

  const delivered = deliveredKeys(receiver);
  const deliveredOpened = [...counts.opened].filter((k) => delivered.has(k)).length;
  const repeats = [...delivered.values()].reduce((n, c) => n + c - 1, 0);
  // One gas reading opening two alerts (a redelivered event handled as new): the same
  // device and peak under two idempotency keys.
  const byReading = new Map<string, Set<string>>();
  for (const e of r.opens) {
    const key = `${e.device}#${e.rule}#${e.peakScore}`;
    byReading.set(key, (byReading.get(key) ?? new Set()).add(e.idempotencyKey));
  }
  const reopened = [...byReading.values()].reduce((n, keys) => n + keys.size - 1, 0);
  v.row({ flow: 'alerts → webhook', sent: counts.opened.size, stored: deliveredOpened, lost: lost(counts.opened.size, deliveredOpened, counts.outboxDead), duplicates: repeats + reopened, deadLettered: counts.outboxDead });
  v.expect('alerts: the alert flow ran', counts.opened.size > 0, `${counts.opened.size} alerts opened`);
  v.equal('alerts: every alert opened delivered', deliveredOpened, counts.opened.size, 'delivered');
  v.equal('alerts: none given up (notifier dead letters)', counts.outboxDead, 0, 'dead');
  if (s.sameKeyRedeliveriesAllowed) v.note(`webhook: ${repeats} deliveries repeated under the same idempotency key (in flight at the kill; allowed)`);
  else v.equal('alerts: no delivery repeated', repeats, 0, 'repeated deliveries');
  v.equal('alerts: no reading opened two alerts (same transition under a new key)', reopened, 0, 'extra opens');
  v.equal('alerts: every opened alert published on the bus', r.opens.length, counts.opened.size, 'open transitions on PM_ALERTS');
  const foreign = [...delivered.keys()].filter((k) => !counts.opened.has(k)).length;
  v.equal('alerts: nothing delivered that was not opened', foreign, 0, 'unknown keys');
  v.equal('devices: every publish acknowledged by the broker', r.unacked, 0, 'unacknowledged');
}

function describeBusy(busy: readonly BusyConsumer[]): string {
  return busy.length === 0 ? 'none' : busy.map((b) => `${b.stream}/${b.name} pending ${b.pending} ack-pending ${b.ackPending}`).join(', ');
}
