// Issue 11, scaled down: poisoned messages must not halt ingest. A status whose agentVersion
// carries NUL, a bare 0x00 payload, invalid UTF-8 and a lone surrogate are dead-lettered with
// a reason; a few thousand valid messages from several devices sent afterwards are all stored
// exactly once; ingest keeps acknowledging and stops within its bound. Then the second line of
// defence: a batch the real database refuses is split until the one bad message is found.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { sql } from 'kysely';
import { mqttTopic, type DeviceRef } from '@premonitor/contracts';
import type { IngestStore } from '@premonitor/ingest';
import { createLogger } from '@premonitor/log';
import { distributedRig, embeddedRig, type IngestRig } from './support/ingest-rig.js';
import { stopRealServices } from './support/real-services.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'poison-test', level: 'silent' });
const DEVICES = 4;
const PER_DEVICE = 750;
const KEYS = 3;

after(() => stopRealServices());

async function readingCount(rig: IngestRig, site: string): Promise<number> {
  const row = await rig.db.db.selectFrom('readings').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', 'like', `${site}/%`).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Sends PER_DEVICE telemetry messages from each of DEVICES devices, in rounds, waiting after
 * each round until ingest has handled all but the last one: a broker with default queue
 * limits (1,000 per session, as the shared test Mosquitto has) then never drops any.
 */
async function publishValid(url: string, site: string, now: number, handled: () => number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: DEVICES }, (_, d) => mqtt.connectAsync(url, { clientId: `poison-${site}-${d}` })));
  const start = handled();
  const ROUND = 100;
  for (let first = 0; first < PER_DEVICE; first += ROUND) {
    await Promise.all(
      clients.map((client, d) => {
        const ref: DeviceRef = { site, device: `dev-${d}` };
        const sends: Promise<unknown>[] = [];
        for (let i = first; i < Math.min(first + ROUND, PER_DEVICE); i++) {
          sends.push(client.publishAsync(mqttTopic.telemetry(ref), JSON.stringify({ ts: now + i, seq: i, readings: { a: i, b: d, c: 0.5 } }), { qos: 1 }));
        }
        return Promise.all(sends);
      }),
    );
    await waitFor('ingest to keep up', () => handled() - start >= first * DEVICES, 60_000, 20);
  }
  await Promise.all(clients.map((c) => c.endAsync()));
}

for (const mode of [embeddedRig(), distributedRig()]) {
  describe(`poison isolation, ${mode.name}`, { skip: mode.skip }, () => {
    it('dead-letters poison, stores every valid reading once, keeps acking and stops within its bound', async () => {
      const site = `px-${randomBytes(3).toString('hex')}`;
      const rig = await mode.start({ logger, settings: { drainTimeoutMs: 5_000 } });
      try {
        const poison: DeviceRef = { site, device: 'poison-1' };
        const client = await mqtt.connectAsync(rig.mqttUrl, { clientId: `poison-${site}` });
        const cases: Array<[string, Buffer]> = [
          [mqttTopic.status(poison), Buffer.from('{"state":"online","agentVersion":"1.0\\u0000"}')],
          [mqttTopic.telemetry(poison), Buffer.from([0x00])],
          [mqttTopic.status(poison), Buffer.concat([Buffer.from('{"state":"online","agentVersion":"'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('"}')])],
          [mqttTopic.status(poison), Buffer.from('{"state":"online","agentVersion":"\\ud800x"}')],
          [mqttTopic.edgeAlert(poison), Buffer.from(`{"ts":${Date.now()},"seq":1,"rule":"r\\u0000","severity":"INFO"}`)],
        ];
        for (const [topic, payload] of cases) await client.publishAsync(topic, payload, { qos: 1 });
        // The device's next status is valid: it must be applied after the poison.
        await client.publishAsync(mqttTopic.status(poison), JSON.stringify({ state: 'online', agentVersion: 'after-poison' }), { qos: 1 });
        await client.endAsync();

        const sentAt = Date.now();
        await publishValid(rig.mqttUrl, site, sentAt, () => rig.ingest.stats.telemetryMessages);
        const expected = DEVICES * PER_DEVICE * KEYS;
        await waitFor(`${expected} readings`, async () => (await readingCount(rig, site)) >= expected, 60_000, 100);

        const letters = await waitFor('5 dead letters', async () => {
          const rows = await rig.db.db.selectFrom('dead_letters').selectAll().where('device_id', '=', `${site}/poison-1`).orderBy('id').execute();
          return rows.length >= cases.length ? rows : undefined;
        });
        assert.equal(letters.length, cases.length);
        assert.match(letters[0]!.reason, /agentVersion.*control character/);
        assert.match(letters[1]!.reason, /malformed JSON/);
        assert.match(letters[2]!.reason, /not valid UTF-8/);
        assert.match(letters[3]!.reason, /agentVersion.*surrogate/);
        assert.match(letters[4]!.reason, /rule.*control character/);
        for (const l of letters) assert.ok(!l.reason.includes('\u0000'), 'no NUL in a stored reason');
        assert.deepEqual([...letters[1]!.payload], [0], 'the payload is kept as it came');

        const device = await rig.db.db.selectFrom('devices').selectAll().where('id', '=', `${site}/poison-1`).executeTakeFirstOrThrow();
        assert.equal((device.last_status as { agentVersion?: string } | null)?.agentVersion, 'after-poison');

        // Exactly once: nothing more arrives, and a second sending of the same messages adds nothing.
        await publishValid(rig.mqttUrl, site, sentAt, () => rig.ingest.stats.telemetryMessages);
        await waitFor('the resend acknowledged', () => rig.ingest.backlog() === 0 && rig.ingest.stats.duplicateReadings >= expected, 60_000, 100);
        assert.equal(await readingCount(rig, site), expected);

        // Stopping with an idle backlog is quick; the bound itself is in ingest.stop().
        await rig.ingest.stop();
        assert.equal(rig.ingest.backlog(), 0);
      } finally {
        await rig.close();
      }
    });

    it('splits a batch the database refuses until the bad message is found, storing the rest', async () => {
      const site = `pb-${randomBytes(3).toString('hex')}`;
      const bad = `${site}/bad-1`;
      // A real refusal from the real database (22P02: invalid text for an integer), for one device only.
      const wrapStore = (store: IngestStore): IngestStore => ({
        ...store,
        saveTelemetry: async (batch) => {
          if (batch.some((t) => `${t.ref.site}/${t.ref.device}` === bad)) await sql`select 'not a number'::int`.execute(rig.db.db);
          return store.saveTelemetry(batch);
        },
        saveStatus: (b) => store.saveStatus(b),
        touchDevices: (b) => store.touchDevices(b),
        saveDeadLetters: (b) => store.saveDeadLetters(b),
      });
      const rig: IngestRig = await mode.start({ logger, wrapStore, settings: { batchSize: 2_000 } });
      try {
        const client = await mqtt.connectAsync(rig.mqttUrl, { clientId: `bisect-${site}` });
        const now = Date.now();
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < 600; i++) {
          const device = i === 300 ? 'bad-1' : `ok-${i % 3}`;
          sends.push(client.publishAsync(mqttTopic.telemetry({ site, device }), JSON.stringify({ ts: now, seq: i, readings: { v: i } }), { qos: 1 }));
        }
        await Promise.all(sends);
        await client.endAsync();
        await waitFor('599 readings', async () => (await readingCount(rig, site)) >= 599, 30_000, 100);
        const letters = await waitFor('the dead letter', async () => {
          const rows = await rig.db.db.selectFrom('dead_letters').selectAll().where('device_id', '=', bad).execute();
          return rows.length > 0 ? rows : undefined;
        });
        assert.equal(letters.length, 1);
        assert.match(letters[0]!.reason, /22P02|invalid input syntax/);
        await waitFor('everything acknowledged', () => rig.ingest.backlog() === 0);
        assert.equal(await readingCount(rig, site), 599);
        const metrics = await rig.registry.metrics();
        assert.match(metrics, /pm_ingest_poison_total\{channel="telemetry"[^}]*\} 1\b/);
      } finally {
        await rig.close();
      }
    });

    it('stops within its bound while the database hangs, leaving the unstored message with the broker', async () => {
      const site = `ph-${randomBytes(3).toString('hex')}`;
      let hang = true;
      const wrapStore = (store: IngestStore): IngestStore => ({
        saveTelemetry: (batch) => (hang ? new Promise<number>(() => undefined) : store.saveTelemetry(batch)),
        saveStatus: (b) => store.saveStatus(b),
        touchDevices: (b) => store.touchDevices(b),
        saveDeadLetters: (b) => store.saveDeadLetters(b),
      });
      const rig = await mode.start({ logger, wrapStore, settings: { drainTimeoutMs: 1_000 } });
      try {
        const client = await mqtt.connectAsync(rig.mqttUrl, { clientId: `hang-${site}` });
        await client.publishAsync(mqttTopic.telemetry({ site, device: 'd-1' }), JSON.stringify({ ts: Date.now(), seq: 1, readings: { v: 1 } }), { qos: 1 });
        await client.endAsync();
        await waitFor('the message to reach the stuck write', () => rig.ingest.backlog() === 1);
        const started = Date.now();
        await rig.ingest.stop();
        // Generous: the bound is 1 s for the drain and 1 s for the disconnect.
        assert.ok(Date.now() - started < 30_000, `stop took ${Date.now() - started} ms`);
        assert.equal(rig.ingest.stats.telemetryMessages, 0, 'nothing was acknowledged as stored');
      } finally {
        hang = false;
        await rig.close();
      }
    });
  });
}
