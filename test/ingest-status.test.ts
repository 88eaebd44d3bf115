// Status events carry a deterministic bus message id: a status delivered to ingest again —
// the broker redelivering it after ingest died before its ack, or the retained last will at a
// new subscription — is one event on the bus, not two. The last will has no time of its own;
// ingest gives it the time it stored for that state, so the repeat gets the same id.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { busSubjects, deviceStatusEvent, mqttTopic, type DeviceStatusEvent } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { distributedRig, embeddedRig } from './support/ingest-rig.js';
import { stopRealServices } from './support/real-services.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'ingest-status-test', level: 'silent' });

after(() => stopRealServices());

for (const mode of [embeddedRig(), distributedRig()]) {
  describe(`status events, ${mode.name}`, { skip: mode.skip }, () => {
    it('publishes a last will received twice once, and the next disconnect after a sign of life as a new event', async () => {
      const site = `st-${randomBytes(4).toString('hex')}`;
      const ref = { site, device: 'lw-1' };
      const rig = await mode.start({ logger });
      const events: Array<DeviceStatusEvent & { msgId: string | undefined }> = [];
      const tap = await rig.bus.consume(
        { stream: busSubjects.status.stream, durable: `status_${site.replace(/-/g, '_')}`, filterSubject: `pm.status.${site}.*`, deliverPolicy: 'all', ackWaitMs: 5_000 },
        (m) => {
          events.push({ ...deviceStatusEvent.parse(JSON.parse(Buffer.from(m.data).toString())), msgId: m.headers['Nats-Msg-Id'] });
          m.ack();
        },
      );
      const client = await mqtt.connectAsync(rig.mqttUrl, { clientId: `st-${site}` });
      try {
        // What the broker publishes for a device that drops off: its will, with no time.
        const will = () => client.publishAsync(mqttTopic.status(ref), JSON.stringify({ state: 'offline' }), { qos: 1 });
        const idle = (received: number) => waitFor(`${received} messages handled`, () => rig.ingest.stats.received >= received && rig.ingest.backlog() === 0);
        const device = () => rig.db.db.selectFrom('devices').select(['online', 'status_changed_at', 'last_seen']).where('id', '=', `${site}/lw-1`).executeTakeFirstOrThrow();

        // The broker and the bus are shared with other tests, whose ingests hear this device too and
        // publish its status from their own databases (other times, so other ids). This ingest's
        // events are the ones whose time is the one it stored.
        const own = (ts: number) => events.filter((e) => e.ts === ts);

        await will();
        const stored = await waitFor('the offline state stored', async () => {
          const row = await device().catch(() => undefined);
          return row && !row.online ? row : undefined;
        });
        const [first] = await waitFor('the offline event', () => (own(stored.status_changed_at.getTime()).length > 0 ? own(stored.status_changed_at.getTime()) : undefined));
        assert.equal(first!.msgId, `${site}.lw-1.status.offline.${first!.ts}`);

        // The same will again, received later: the same fact, same time, same id.
        await will();
        await idle(2);
        const after = await device();
        assert.deepEqual([after.status_changed_at.getTime(), after.last_seen.getTime()], [first!.ts, stored.last_seen.getTime()], 'neither a new time nor a sign of life');

        // The device comes back (data, no status of its own) and drops off again: a new disconnect.
        await client.publishAsync(mqttTopic.telemetry(ref), JSON.stringify({ ts: Date.now(), seq: 1, readings: { v: 1 } }), { qos: 1 });
        await idle(3);
        await waitFor('the reading stored', async () => (await device()).last_seen.getTime() > first!.ts);
        await will();
        const second = await waitFor('the second disconnect stored', async () => {
          const row = await device();
          return row.status_changed_at.getTime() > first!.ts ? row.status_changed_at.getTime() : undefined;
        });
        await waitFor('the second disconnect published', () => own(second).length > 0);
        assert.deepEqual([...own(first!.ts), ...own(second)].map((e) => [e.state, e.msgId]), [
          ['offline', first!.msgId],
          ['offline', `${site}.lw-1.status.offline.${second}`],
        ], 'each disconnect once on the bus, the repeated will not again');
      } finally {
        await client.endAsync();
        await tap.stop();
        await rig.close();
      }
    });
  });
}
