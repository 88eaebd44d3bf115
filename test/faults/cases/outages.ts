import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultCase } from '../case.js';
import { steadyLoadCase, type SteadyRun } from '../support/steady-load-case.js';

/** Something a case takes away and brings back. */
interface Outage {
  readonly name: string;
  readonly summary: string;
  readonly budgetSeconds: number;
  /** What goes down, for the log. */
  readonly what: string;
  readonly downMs: number;
  readonly target: (run: SteadyRun) => { stop(): Promise<void>; start(): Promise<void> };
}

/** Under steady load: stop the target, keep it down for `downMs`, start it again. */
function outageCase(o: Outage): FaultCase {
  return steadyLoadCase({
    name: o.name,
    summary: o.summary,
    budgetSeconds: o.budgetSeconds,
    async fault(run) {
      const target = o.target(run);
      run.log(`${o.what} down for ${o.downMs / 1000} s`);
      await target.stop();
      await sleep(o.downMs);
      await target.start();
      run.log(`${o.what} is back`);
    },
  });
}

/** PostgreSQL stopped with a fast shutdown (open transactions rolled back, clients cut off). */
export const postgresOutage = outageCase({
  name: 'postgres-outage',
  summary: 'PostgreSQL stopped for 30 s under steady load: sent = stored = scored, alerts opened = delivered',
  budgetSeconds: 170,
  what: 'PostgreSQL',
  downMs: 30_000,
  target: ({ stack }) => ({ stop: () => stack.postgres.halt(), start: () => stack.postgres.resume() }),
});

/** NATS (JetStream, file store) stopped and started again on the same store. */
export const natsRestart = outageCase({
  name: 'nats-restart',
  summary: 'NATS JetStream restarted (5 s down) under steady load: sent = stored = scored, alerts opened = delivered',
  budgetSeconds: 140,
  what: 'NATS',
  downMs: 5_000,
  target: ({ stack }) => ({ stop: () => stack.nats.halt(), start: () => stack.nats.resume() }),
});

/** Mosquitto stopped (it saves its persistence) and started again on the same data. */
export const mosquittoRestart = outageCase({
  name: 'mosquitto-restart',
  summary: 'Mosquitto restarted (5 s down) under steady load: devices and ingest reconnect, nothing lost or doubled',
  budgetSeconds: 140,
  what: 'Mosquitto',
  downMs: 5_000,
  target: ({ stack }) => ({ stop: () => stack.mosquitto.shutDown(), start: () => stack.mosquitto.startAgain() }),
});

/** The webhook receiver refusing connections. */
export const webhookOutage = outageCase({
  name: 'webhook-outage',
  summary: 'webhook receiver down for 60 s under steady load: every alert opened delivered once, none given up',
  budgetSeconds: 190,
  what: 'the webhook receiver',
  downMs: 60_000,
  target: ({ receiver }) => ({ stop: () => receiver.down(), start: () => receiver.up() }),
});
