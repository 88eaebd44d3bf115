#!/usr/bin/env node
/**
 * Login brute force, measured: one client guessing one device's password as fast as the broker
 * answers, against a private Mosquitto from mosquitto/ (no throttle in 2.0), the embedded
 * broker with its default lockouts, and the embedded broker with lockouts off. Reports
 * attempts/s and how many passwords were actually checked — the figure that matters for
 * guessing. Wall-clock figures: say how busy the machine was.
 *
 *   npm run bench -- broker-logins [--seconds 10]
 */
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { connectAsync } from 'mqtt';
import { CredentialStore, EmbeddedBroker, type BrokerMetrics } from '@premonitor/broker';
import { MosquittoProcess } from '@premonitor/broker/mosquitto-process';
import { createLogger } from '@premonitor/log';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a positive number');
const USER = 'plant-1/pump-7';
const PASSWORD = 'the-real-password-for-pump-7';
const logger = createLogger({ service: 'bench-broker-logins', level: 'silent' });

interface Outcome {
  readonly attempts: number;
  readonly checked: number | undefined;
}

/** Sequential wrong-password CONNECTs for `seconds`; every one must be refused. */
async function guess(url: string): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let attempts = 0;
  while (performance.now() < end) {
    const client = await connectAsync(url, { username: USER, password: `guess-${attempts}`, reconnectPeriod: 0, connectTimeout: 5_000 }).catch(() => undefined);
    if (client) {
      await client.endAsync(true);
      throw new Error('a wrong password was accepted');
    }
    attempts++;
  }
  return attempts;
}

async function mosquitto(): Promise<Outcome> {
  const m = await MosquittoProcess.start({ devices: new Map([[USER, PASSWORD]]), core: [] });
  try {
    return { attempts: await guess(m.deviceUrl), checked: undefined };
  } finally {
    await m.stop();
  }
}

async function embedded(throttled: boolean): Promise<Outcome> {
  // Production scrypt cost: what each checked guess costs the broker.
  const credentials = CredentialStore.inMemory();
  await credentials.addDevice({ site: 'plant-1', device: 'pump-7' }, PASSWORD);
  let checked = 0;
  const metrics: BrokerMetrics = { connectRefused: (reason) => void (reason === 'credentials' && checked++) };
  const loginThrottle = throttled ? undefined : { usernameFreeFailures: 1e9, addressFreeFailures: 1e9, baseLockoutMs: 0, maxLockoutMs: 0, forgetAfterMs: 0, maxKeys: 1 };
  const broker = new EmbeddedBroker({ port: 0, credentials, logger, metrics, ...(loginThrottle ? { loginThrottle } : {}) });
  await broker.start();
  try {
    return { attempts: await guess(broker.url), checked };
  } finally {
    await broker.stop();
  }
}

const busyBefore = loadavg()[0];
const rows: Array<[string, Outcome]> = [
  ['mosquitto 2.0 (no throttle)', await mosquitto()],
  ['embedded, default lockouts', await embedded(true)],
  ['embedded, lockouts off', await embedded(false)],
];
const per = (n: number) => (n / seconds).toFixed(1);
console.log(`login brute force, one sequential client, ${seconds} s each (load average ${busyBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
for (const [name, o] of rows) {
  console.log(`  ${name.padEnd(30)} attempts ${String(o.attempts).padStart(6)} (${per(o.attempts)}/s)   passwords checked ${o.checked === undefined ? 'all (every attempt)' : `${o.checked} (${per(o.checked)}/s)`}`);
}
console.log(JSON.stringify({ bench: 'broker-logins', seconds, ...Object.fromEntries(rows.map(([name, o]) => [name, o])) }));
