import { setTimeout as sleep } from 'node:timers/promises';
import { RawMqttClient } from '@premonitor/testkit';
import type { FuzzMessage } from './fuzz-mutations.js';

/** How long a broker may refuse connections before a device stops trying. */
const BROKER_DOWN_GIVE_UP_MS = 15_000;

/** A fuzz device's login. */
export interface FuzzAccount {
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
}

/** One message on its way, and whether the broker took it. */
export interface Sending {
  readonly message: FuzzMessage;
  acked: boolean;
}

/** How the sending went. */
export interface SendReport {
  readonly sendings: readonly Sending[];
  /** Times the broker closed a fuzz device's connection (each followed by a reconnect and a re-send). */
  readonly brokerCloses: number;
  readonly seconds: number;
}

/**
 * Sends each device's messages in order over a raw MQTT connection (QoS 1, up to `window`
 * unacknowledged), all devices together at `ratePerS` messages per second in total. A
 * connection the broker closes is opened again and its unacknowledged messages re-sent — as a
 * device would — so every message is eventually either acknowledged or counted as not.
 */
export async function sendFuzz(port: number, work: ReadonlyMap<FuzzAccount, readonly FuzzMessage[]>, options: { window: number; ratePerS: number; giveUpMs: number }): Promise<SendReport> {
  const started = performance.now();
  const sendings: Sending[] = [];
  let brokerCloses = 0;
  const perDeviceRate = options.ratePerS / work.size;
  await Promise.all(
    [...work].map(async ([account, messages]) => {
      const mine = messages.map((message) => ({ message, acked: false }));
      sendings.push(...mine);
      let next = 0;
      const deviceStarted = performance.now();
      const deadline = Date.now() + options.giveUpMs;
      let refusedSince: number | undefined;
      while (mine.some((s) => !s.acked) && Date.now() < deadline) {
        const opened = await RawMqttClient.open({ port, clientId: account.clientId, username: account.username, password: account.password });
        const client = opened.client;
        if (!client) {
          // A broker that stays unreachable (the embedded platform crashed for good) ends this device's run.
          refusedSince ??= Date.now();
          if (Date.now() - refusedSince > BROKER_DOWN_GIVE_UP_MS) break;
          await sleep(500);
          continue;
        }
        refusedSince = undefined;
        // After a reconnect, what was not acknowledged goes again first.
        const retry = mine.slice(0, next).filter((s) => !s.acked);
        const inFlight = new Set<Promise<void>>();
        const send = (s: Sending) => {
          const p = client.publish(s.message.topic, s.message.payload).then((acked) => {
            if (acked) s.acked = true;
          });
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        };
        for (const s of retry) {
          while (inFlight.size >= options.window && !client.isClosed) await Promise.race(inFlight);
          send(s);
        }
        while (next < mine.length && !client.isClosed) {
          while (inFlight.size >= options.window && !client.isClosed) await Promise.race(inFlight);
          // Paced from the device's start: a stall is caught up afterwards.
          const due = deviceStarted + (next / perDeviceRate) * 1000 - performance.now();
          if (due > 5) await sleep(due);
          send(mine[next++]!);
        }
        // A broker that keeps the connection but never acknowledges must not hang the case.
        await Promise.race([Promise.all(inFlight), sleep(30_000)]);
        if (inFlight.size > 0) client.destroy();
        if (client.isClosed || inFlight.size > 0) {
          brokerCloses++;
          continue;
        }
        await client.close();
      }
    }),
  );
  return { sendings, brokerCloses, seconds: (performance.now() - started) / 1000 };
}
