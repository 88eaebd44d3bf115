import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultCase } from '../case.js';
import type { CoreServiceName } from '../support/core-stack.js';
import type { FleetChannel } from '../support/steady-fleet.js';
import { steadyLoadCase, type SteadyRun } from '../support/steady-load-case.js';

/** How to catch a service in the middle of a batch. */
interface KillTarget {
  /** Case name. */
  readonly name: string;
  readonly service: CoreServiceName;
  /** What the devices send in a burst to give it a backlog. */
  readonly burst: { readonly channel: FleetChannel; readonly perDevice: number };
  /** Durable consumers of the service (prefix), whose unacknowledged messages show work in flight. */
  readonly consumerPrefix?: string;
}

/**
 * SIGKILL of one service while it has work in flight (a burst of messages just sent, and the
 * kill waits until the bus or the service shows unacknowledged work), then a restart with the
 * same environment: the broker or JetStream redelivers, and the counts must still agree.
 */
function killCase(target: KillTarget, summary: string): FaultCase {
  return steadyLoadCase({
    name: target.name,
    summary,
    budgetSeconds: 170,
    // The notifier is killed with requests open at a slow receiver: those may be sent again, under the same key.
    receiverDelayMs: target.service === 'notifier' ? 300 : 0,
    sameKeyRedeliveriesAllowed: target.service === 'notifier',
    fault: (run) => killMidBatch(run, target),
  });
}

async function killMidBatch(run: SteadyRun, target: KillTarget): Promise<void> {
  const { stack, fleet, probe, log, verdict } = run;
  fleet.burst(target.burst.channel, target.burst.perDevice);
  const inFlight = async (): Promise<number> => {
    if (target.service === 'ingest') return (await stack.ingestPendingAcks()) ?? 0;
    if (target.service === 'notifier') return pendingRequests(run);
    const busy = await probe.busyConsumers();
    return busy.filter((b) => b.name.startsWith(target.consumerPrefix ?? '')).reduce((n, b) => n + b.ackPending, 0);
  };
  let seen = 0;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (seen = await inFlight()) === 0) await sleep(10);
  await stack.kill(target.service);
  log(`SIGKILL ${target.service} with ${seen} in flight`);
  verdict.expect(`${target.service} killed mid-batch`, seen > 0, `${seen} messages in flight at the kill`);
  await sleep(2_000);
  const started = Date.now();
  await stack.startService(target.service);
  log(`${target.service} restarted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Webhook requests the receiver has taken but not answered yet (its answers are delayed). */
function pendingRequests(run: SteadyRun): number {
  const now = performance.now();
  return run.receiver.hits.filter((h) => now - h.at < run.receiver.responseDelayMs).length;
}

export const killIngest = killCase(
  { name: 'kill-ingest', service: 'ingest', burst: { channel: 'telemetry', perDevice: 200 } },
  'SIGKILL of ingest with unacknowledged MQTT messages, then restart: nothing lost, no reading stored twice',
);
export const killInference = killCase(
  { name: 'kill-inference', service: 'acoustic-inference', burst: { channel: 'acoustic', perDevice: 20 }, consumerPrefix: 'inference-acoustic' },
  'SIGKILL of acoustic inference with frames delivered but not acknowledged, then restart: every frame scored once',
);
export const killFusion = killCase(
  { name: 'kill-fusion', service: 'fusion', burst: { channel: 'gas', perDevice: 40 }, consumerPrefix: 'fusion' },
  'SIGKILL of fusion with events delivered but not acknowledged, then restart: every alert opened delivered once, no reading opens two',
);
export const killNotifier = killCase(
  { name: 'kill-notifier', service: 'notifier', burst: { channel: 'gas', perDevice: 20 } },
  'SIGKILL of the notifier with webhook requests in flight, then restart: every alert delivered, repeats only under the same key',
);
