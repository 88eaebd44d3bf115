import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultCase } from '../case.js';
import { steadyLoadCase } from '../support/steady-load-case.js';

/** PostgreSQL stopped (fast shutdown) for 30 s under load, then started again. */
export const postgresOutage: FaultCase = steadyLoadCase({
  name: 'postgres-outage',
  summary: 'PostgreSQL stopped for 30 s under steady load: sent = stored = scored, alerts opened = delivered',
  budgetSeconds: 170,
  async fault({ stack, log }) {
    log('stopping PostgreSQL for 30 s');
    await stack.postgres.halt();
    await sleep(30_000);
    await stack.postgres.resume();
    log('PostgreSQL is back');
  },
});

/** NATS (JetStream, file store) stopped for 5 s and started again on the same store. */
export const natsRestart: FaultCase = steadyLoadCase({
  name: 'nats-restart',
  summary: 'NATS JetStream restarted (5 s down) under steady load: sent = stored = scored, alerts opened = delivered',
  budgetSeconds: 140,
  async fault({ stack, log }) {
    log('restarting NATS (5 s down)');
    await stack.nats.restart(5_000);
    log('NATS is back');
  },
});

/** Mosquitto stopped (it saves its persistence) for 5 s and started again on the same data. */
export const mosquittoRestart: FaultCase = steadyLoadCase({
  name: 'mosquitto-restart',
  summary: 'Mosquitto restarted (5 s down) under steady load: devices and ingest reconnect, nothing lost or doubled',
  budgetSeconds: 140,
  async fault({ stack, log }) {
    log('restarting Mosquitto (5 s down)');
    await stack.mosquitto.restart(5_000);
    log('Mosquitto is back');
  },
});

/** The webhook receiver down (connection refused) for 60 s. */
export const webhookOutage: FaultCase = steadyLoadCase({
  name: 'webhook-outage',
  summary: 'webhook receiver down for 60 s under steady load: every alert opened delivered once, none given up',
  budgetSeconds: 190,
  async fault({ receiver, log }) {
    log('webhook receiver down for 60 s');
    await receiver.down();
    await sleep(60_000);
    await receiver.up();
    log('webhook receiver is back');
  },
});
