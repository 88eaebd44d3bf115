// Two fusion processes (services/fusion/dist/main.js, as deployed) share the devices by
// partition (FUSION_PARTITIONS=4, a lease per partition in PostgreSQL) on the real NATS and
// PostgreSQL; one is killed with SIGKILL while readings stream in.
//
// What it shows:
//   - the partitions are shared (each replica holds two) and a 3-of-3 rule, whose window lives
//     in one replica's memory, opens an alert for every device;
//   - after the kill the survivor takes the dead replica's partitions (its leases expire), gets
//     the unacknowledged events again and resumes its devices' open alerts (the gas rule's quiet
//     period, 10 s, outlasts the takeover: a reading delayed by it still counts on the open alert).
//     Without partitions (both replicas on one shared durable, FUSION_PARTITIONS=0) this fails:
//     the dead replica's open alerts are in no live engine and never resolve (checked by hand);
//   - every alert is opened exactly once and resolved exactly once (one `open` and one
//     `resolved` row in alert_events per device and rule), and every reading counts once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { publishEvent } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { SERVICE_ROLES, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { NodeProcess } from './support/node-process.js';
import { needService } from './support/real-services.js';
import { createRoleDatabase, type RoleDatabase } from './support/service-login.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'fusion-replicas', level: 'silent' });
const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
const run = randomBytes(4).toString('hex');
const PARTITIONS = 4;
/** Devices of the 3-of-3 vibration rule (before the kill) and of the 1-of-1 gas rule (across it). */
const VIBRATING = 16;
const LEAKING = 30;
const READINGS = 3;

describe('two fusion replicas share the devices by partition; one is killed mid-stream', { skip: pg.skip || nats.skip }, () => {
  /** The replicas log in as fusion's least-privilege role, as deployed. */
  let login: RoleDatabase | undefined;
  let db: DatabaseHandle;
  let bus: NatsJetStreamBus;
  let dir = '';
  const replicas: NodeProcess[] = [];
  const site = `fr-${run}`;

  before(async () => {
    login = await createRoleDatabase(pg.url!, 'pm_fusion_replicas', SERVICE_ROLES.fusion, logger);
    db = login.db;
    bus = new NatsJetStreamBus({ servers: nats.url!, name: `fusion-replicas-${run}`, logger });
    await bus.start();
    dir = await mkdtemp(join(tmpdir(), 'pm-fusion-replicas-'));
    await writeFile(
      join(dir, 'rules.json'),
      JSON.stringify({
        rules: [
          { id: 'gas-leak', k: 1, m: 1, quietPeriodMs: 10_000 },
          { id: 'vibration-high', kind: 'reading', key: 'vibration_rms', title: 'vibration high', severity: 'WARNING', raiseAbove: 5, clearBelow: 2, k: 3, m: 3, quietPeriodMs: 3_000 },
          { id: 'device-offline', enabled: false },
        ],
      }),
    );
  });
  after(async () => {
    for (const replica of replicas) await replica.kill('SIGKILL');
    await bus?.stop();
    await login?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startReplica(name: string): Promise<NodeProcess> {
    const replica = NodeProcess.start('services/fusion/dist/main.js', {
      NATS_URL: nats.url!,
      DATABASE_URL: login!.loginUrl,
      DATABASE_MIGRATE: 'off',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      FUSION_RULES_FILE: join(dir, 'rules.json'),
      FUSION_DURABLE_PREFIX: `fr_${run}`,
      FUSION_SITE: site,
      FUSION_DELIVER_POLICY: 'new',
      FUSION_ACK_WAIT_MS: '1000',
      FUSION_TICK_MS: '200',
      FUSION_PARTITIONS: String(PARTITIONS),
      FUSION_PARTITION_LEASE_MS: '3000',
      FUSION_REPLICA_NAME: name,
      LOG_LEVEL: 'info',
    });
    replicas.push(replica);
    await replica.waitFor(/"msg":"fusion ready"/, 30_000);
    return replica;
  }

  /** Live lease owners and how many partitions each holds. */
  async function leaseOwners(): Promise<Map<string, number>> {
    const { rows } = await sql<{ owner: string }>`
      select owner from fusion_partition_leases where partition_count = ${PARTITIONS} and owner is not null and lease_until > now()`.execute(db.db);
    const owners = new Map<string, number>();
    for (const r of rows) owners.set(r.owner, (owners.get(r.owner) ?? 0) + 1);
    return owners;
  }

  let seq = 0;
  const reading = (device: string, readings: Record<string, number>) =>
    publishEvent(bus, 'telemetry', [{ site, device }], { site, device, ts: Date.now(), seq: ++seq, readings, receivedAt: Date.now() });

  /** The transitions recorded per device and rule, as `open,resolved`. */
  async function transitions(rule: string): Promise<Map<string, string>> {
    const rows = await db.db
      .selectFrom('alert_events as e')
      .innerJoin('alerts as a', 'a.id', 'e.alert_id')
      .select(['a.device_id', 'e.to_status'])
      .where('a.site', '=', site)
      .where('a.rule', '=', rule)
      .orderBy('e.id')
      .execute();
    const out = new Map<string, string>();
    for (const r of rows) out.set(r.device_id, out.has(r.device_id) ? `${out.get(r.device_id)},${r.to_status}` : r.to_status);
    return out;
  }

  it('opens and resolves every alert exactly once, with the survivor taking over the dead replica’s devices', async () => {
    const a = await startReplica('a');
    await startReplica('b');
    await waitFor('the partitions shared two and two', async () => {
      const owners = await leaseOwners();
      return owners.size === 2 && [...owners.values()].every((n) => n === PARTITIONS / 2);
    }, 30_000, 100);

    // Three readings in a row per device, interleaved across devices: a 3-of-3 rule opens only
    // where one engine saw all three.
    for (let r = 0; r < READINGS; r++) for (let i = 0; i < VIBRATING; i++) await reading(`v-${i}`, { vibration_rms: 9 });
    await waitFor('a vibration alert open for every device', async () => (await transitions('vibration-high')).size === VIBRATING, 30_000);

    // Gas readings stream in; one replica dies half-way.
    for (let r = 0; r < READINGS; r++) {
      for (let i = 0; i < LEAKING; i++) {
        await reading(`g-${i}`, { gas_ppm: 120 });
        if (r === 1 && i === LEAKING / 2) await a.kill('SIGKILL');
      }
    }
    await waitFor('the survivor holds every partition', async () => {
      const owners = await leaseOwners();
      return owners.size === 1 && [...owners.values()][0] === PARTITIONS;
    }, 30_000, 100);

    const expected = 'open,resolved';
    await waitFor('every alert resolved (quiet for 3 s and 10 s)', async () => {
      const [vibration, gas] = await Promise.all([transitions('vibration-high'), transitions('gas-leak')]);
      return vibration.size === VIBRATING && gas.size === LEAKING && [...vibration.values(), ...gas.values()].every((t) => t.endsWith('resolved'));
    }, 45_000, 200);
    await new Promise((r) => setTimeout(r, 1_000)); // nothing more should happen

    const [vibration, gas] = await Promise.all([transitions('vibration-high'), transitions('gas-leak')]);
    for (const [device, t] of [...vibration, ...gas]) assert.equal(t, expected, `${device}: opened once, resolved once`);
    const alerts = await db.db.selectFrom('alerts').select(['device_id', 'rule', 'count']).where('site', '=', site).execute();
    assert.equal(alerts.length, VIBRATING + LEAKING, 'one alert per device and rule');
    for (const alert of alerts.filter((x) => x.rule === 'gas-leak')) assert.equal(alert.count, READINGS, `${alert.device_id}: every reading counted once`);
    // Run as the service's least-privilege role: nothing it does may have been refused.
    for (const replica of replicas) assert.doesNotMatch(replica.output, /permission denied/);
  });
});
