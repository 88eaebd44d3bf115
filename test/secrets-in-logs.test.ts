// Distributed-mode services as real processes, given credentials in their config and driven
// into their error paths (bad database, unreachable NATS and MQTT, invalid config, failing and
// refused webhooks): no credential may appear in anything they print, at any log level, nor in
// what the dead-letter API answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { AlertEvent } from '@premonitor/contracts';
import { busSubjects } from '@premonitor/contracts';
import { publishEvent } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { createLogger } from '@premonitor/log';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';
import { NodeProcess } from './support/node-process.js';
import { waitFor } from './support/wait.js';

const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
const run = randomBytes(4).toString('hex');
/** Each secret is unique, so a leak names the path it took. */
const secret = (what: string) => `SeCrEt-${what}-${run}`;
const adminToken = secret('admin-token-padded-to-32-characters');

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.username ||= 'postgres';
  u.password = password;
  return u.toString();
}

function assertNoSecret(text: string, ...secrets: string[]): void {
  for (const s of secrets) assert.ok(!text.includes(s), `${s} leaked:\n${text.slice(-3_000)}`);
  assert.ok(!text.includes(`SeCrEt-`), `a secret leaked:\n${text.slice(-3_000)}`);
}

describe('no credential in any log line or error', { skip: pg.skip || nats.skip, timeout: 300_000 }, () => {
  let throwaway: { url: string; drop(): Promise<void> };
  let dir: string;
  const processes: NodeProcess[] = [];
  before(async () => {
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_secrets');
    dir = await mkdtemp(join(tmpdir(), 'pm-secrets-'));
  });
  after(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    await throwaway?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  function start(service: string, env: Record<string, string>): NodeProcess {
    const p = NodeProcess.start(`services/${service}/dist/main.js`, { LOG_LEVEL: 'trace', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ...env });
    processes.push(p);
    return p;
  }

  it('an invalid config shows neither the database password nor the MQTT password', async () => {
    const p = start('ingest', { DATABASE_URL: `postgres://pm:${secret('cfg-db')}@db:99999/premonitor`, MQTT_PASSWORD: secret('cfg-mqtt'), HTTP_PORT: 'eighty' });
    assert.equal((await p.exited).code, 1);
    assert.match(p.output, /DATABASE_URL: must be a URL \(got 'postgres:\/\/\*\*\*@db:99999\/premonitor'\)/);
    assert.match(p.output, /HTTP_PORT: must be an integer/);
    assertNoSecret(p.output);
  });

  it('an unreachable database is named with its password masked', async () => {
    const p = start('ingest', { DATABASE_URL: `postgres://pm:${secret('db')}@127.0.0.1:${await closedPort()}/x`, MQTT_PASSWORD: secret('mqtt-1') });
    assert.equal((await p.exited).code, 1);
    assert.match(p.output, /cannot connect to PostgreSQL at postgres:\/\/pm:\*\*\*@127\.0\.0\.1/);
    assertNoSecret(p.output);
  });

  it('an unreachable NATS is named with its password masked', async () => {
    const p = start('fusion', { DATABASE_URL: withPassword(throwaway.url, secret('db-2')), NATS_URL: `nats://pm:${secret('nats')}@127.0.0.1:${await closedPort()}` });
    assert.equal((await p.exited).code, 1);
    assert.match(p.output, /cannot connect to NATS at nats:\/\/pm:\*\*\*@127\.0\.0\.1/);
    assertNoSecret(p.output);
  });

  it('an unreachable MQTT broker is named with its password masked', async () => {
    const p = start('ingest', {
      DATABASE_URL: withPassword(throwaway.url, secret('db-3')),
      NATS_URL: nats.url!,
      MQTT_URL: `mqtt://ingest:${secret('mqtt-url')}@127.0.0.1:${await closedPort()}`,
      MQTT_USERNAME: 'ingest',
      MQTT_PASSWORD: secret('mqtt-2'),
      MQTT_CLIENT_ID: `pm-secrets-${run}`,
    });
    assert.equal((await p.exited).code, 1);
    assert.match(p.output, /cannot connect to MQTT broker at mqtt:\/\/ingest:\*\*\*@127\.0\.0\.1/);
    assertNoSecret(p.output);
  });

  it('webhook URLs (tokens in the path) appear nowhere: failing deliveries, dead letters, refused hosts', async () => {
    let server: Server | undefined;
    const site = `secrets-${run}`;
    const durable = `notifier-secrets-${run}`;
    try {
      let hits = 0;
      server = createServer((req, res) => {
        hits++;
        req.resume();
        res.statusCode = 400;
        res.end('no');
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
      const port = (server.address() as AddressInfo).port;
      const routing = join(dir, 'routing.json');
      await writeFile(
        routing,
        JSON.stringify({
          allowPrivateNetworks: true,
          allowHttp: true,
          defaults: { maxAttempts: 2, backoff: { baseMs: 10, maxMs: 20 } },
          channels: [
            { name: 'slack', type: 'slack', url: `http://127.0.0.1:${port}/services/T0/B0/${secret('slack-token')}` },
            { name: 'discord', type: 'discord', url: `http://127.0.0.1:${await closedPort()}/api/webhooks/1/${secret('discord-token')}` },
          ],
          routes: [{ sites: [site], channels: ['slack', 'discord'] }],
        }),
      );
      const p = start('notifier', {
        DATABASE_URL: withPassword(throwaway.url, secret('db-4')),
        NATS_URL: nats.url!,
        NOTIFIER_CONFIG_FILE: routing,
        NOTIFIER_DURABLE: durable,
        NOTIFIER_DELIVER_POLICY: 'new',
        NOTIFIER_IDLE_POLL_MS: '50',
        // The first admin's token is a secret like the others: never in a log line.
        AUTH_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      });
      const [, httpPort] = await p.waitFor(/"port":(\d+),"msg":"notifier ready"/, 60_000);

      const bus = new NatsJetStreamBus({ servers: nats.url!, name: `secrets-test-${run}`, logger: createLogger({ service: 't', level: 'silent' }) });
      await bus.start();
      try {
        const event: AlertEvent = {
          alertId: '1', site, device: 'pump-1', rule: 'gas-leak', severity: 'CRITICAL', from: 'none', to: 'open',
          ts: Date.now(), count: 1, peakScore: null, message: 'gas high', idempotencyKey: `secrets-${run}`,
        };
        await publishEvent(bus, 'alerts', [event.severity, event], event);
      } finally {
        await bus.stop();
      }
      const deadLetters = `http://127.0.0.1:${httpPort}/api/v1/notifications/dead-letters`;
      const body = await waitFor(
        'both channels dead-lettered',
        async () => {
          const res = (await (await fetch(deadLetters, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { items: Array<{ channel: string }> };
          return new Set(res.items.map((i) => i.channel)).size === 2 ? JSON.stringify(res) : undefined;
        },
        60_000,
        200,
      );
      assert.ok(hits >= 1);
      assertNoSecret(body);
      assert.equal((await p.kill('SIGTERM')).code, 0, p.output);
      assertNoSecret(p.output);

      // The same file with private addresses refused: the notifier will not start, and says why
      // with the host only.
      await writeFile(
        routing,
        JSON.stringify({
          channels: [{ name: 'slack', type: 'slack', url: `https://[64:ff9b::a00:1]/services/T0/B0/${secret('slack-token-2')}` }],
          routes: [{ channels: ['slack'] }],
        }),
      );
      const refused = start('notifier', { DATABASE_URL: throwaway.url, NATS_URL: nats.url!, NOTIFIER_CONFIG_FILE: routing, NOTIFIER_DURABLE: durable });
      assert.equal((await refused.exited).code, 1);
      assert.match(refused.output, /points at the non-public address 64:ff9b::a00:1 \(NAT64 form of a private address\)/);
      assertNoSecret(refused.output);
    } finally {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      const nc = await natsConnect({ servers: nats.url!.split(',') });
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.delete(busSubjects.alerts.stream, durable).catch(() => undefined);
      await nc.close();
    }
  });
});
