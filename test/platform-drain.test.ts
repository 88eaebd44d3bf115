// The embedded platform's broker keeps device messages in memory until ingest has persisted
// them: whatever it acknowledged to a device must be in the database after a SIGTERM, and
// nothing a device sends while ingest is not yet (or no longer) subscribed may be acknowledged
// and then dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connectAsync } from 'mqtt';
import { CredentialStore } from '@premonitor/broker';
import { deviceClientId, mqttTopic } from '@premonitor/contracts';
import { openDatabase } from '@premonitor/db';
import { STARTED, startPlatform, tempDataFolder } from './support/embedded-platform-process.js';

const ref = { site: 'drain-test', device: 'burst-1' };
const PASSWORD = 'burst-device-password-0123';

/** Adds the test device to the folder's credential file, as an operator would before a start. */
async function addDevice(dataDir: string): Promise<void> {
  const credentials = await CredentialStore.load(join(dataDir, 'mqtt-credentials.json'), { createIfMissing: true });
  await credentials.addDevice(ref, PASSWORD);
  await credentials.save();
}

/** seq of every telemetry message of the device stored in the folder's database (platform stopped). */
async function storedSeqs(dataDir: string): Promise<Set<number>> {
  const db = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pg') });
  try {
    const { rows } = await sql<{ seq: string }>`select seq::text as seq from telemetry_messages where device_id = ${`${ref.site}/${ref.device}`}`.execute(db.db);
    return new Set(rows.map((r) => Number(r.seq)));
  } finally {
    await db.close();
  }
}

test('a SIGTERM while a device publishes keeps every reading the broker acknowledged', { timeout: 300_000 }, async (t) => {
  const dir = await tempDataFolder(t);
  await addDevice(dir);
  const platform = startPlatform(dir, { SIM_DEVICES: '0', SUMMARY_INTERVAL_MS: '0' });
  t.after(() => platform.kill('SIGKILL'));
  await platform.waitFor(STARTED);
  const port = /MQTT\s+mqtt:\/\/\S+\s+\(port (\d+)\)/.exec(platform.output)?.[1];
  assert.ok(port, `no MQTT port printed:\n${platform.output}`);

  const device = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: deviceClientId(ref), username: `${ref.site}/${ref.device}`, password: PASSWORD, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  // A device does not stop because the platform does: it goes on publishing through the
  // shutdown, and whatever the broker acknowledged must be stored (the rest it sends again later).
  const acked: number[] = [];
  let seq = 0;
  const publishing = setInterval(() => {
    const n = ++seq;
    device.publish(mqttTopic.telemetry(ref), JSON.stringify({ ts: Date.now(), seq: n, readings: { temperature: 40 } }), { qos: 1 }, (err) => {
      if (!err) acked.push(n);
    });
  }, 2);
  t.after(() => clearInterval(publishing));
  while (acked.length < 300) await new Promise((r) => setTimeout(r, 20));
  platform.signal('SIGTERM');
  const exit = await platform.exited;
  clearInterval(publishing);
  device.end(true);
  assert.equal(exit.code, 0, `platform exit ${JSON.stringify(exit)}:\n${platform.output.slice(-3_000)}`);

  const stored = await storedSeqs(dir);
  const lost = acked.filter((n) => !stored.has(n));
  assert.ok(acked.length >= 300);
  assert.equal(lost.length, 0, `${lost.length} of ${acked.length} acknowledged readings lost, e.g. seq ${lost.slice(0, 5).join(', ')}…${lost.slice(-3).join(', ')}`);
});
