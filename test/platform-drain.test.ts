// The embedded platform's broker keeps device messages in memory (Aedes sessions, empty at each
// start): whatever it acknowledges to a device must end up in the database — from a device that
// was there before ingest subscribed (a fleet reconnecting to a restarted platform) to one still
// publishing through the SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'mqtt';
import { deviceClientId, mqttTopic } from '@premonitor/contracts';
import { freePort } from '@premonitor/testkit';
import { STARTED, addDevice, startPlatform, storedSeqs, tempDataFolder } from './support/embedded-platform-process.js';
import { waitFor } from './support/wait.js';

const ref = { site: 'drain-test', device: 'busy-1' };
const PASSWORD = 'busy-device-password-0123';

test('every reading the broker acknowledged is stored: from a device there before ingest subscribed, through a SIGTERM while it publishes', async (t) => {
  const dir = await tempDataFolder(t);
  await addDevice(dir, ref, PASSWORD);
  const port = await freePort();
  // The device is there first and retries fast.
  const device = connect(`mqtt://127.0.0.1:${port}`, { clientId: deviceClientId(ref), username: `${ref.site}/${ref.device}`, password: PASSWORD, protocolVersion: 4, clean: true, reconnectPeriod: 20 });
  t.after(() => device.endAsync(true));
  device.on('error', () => undefined);
  const acked: number[] = [];
  let seq = 0;
  const publish = () => {
    const n = ++seq;
    device.publish(mqttTopic.telemetry(ref), JSON.stringify({ ts: Date.now(), seq: n, readings: { temperature: 40 } }), { qos: 1 }, (err) => {
      if (!err) acked.push(n);
    });
  };
  // One message the moment a connection is accepted, then one every 2 ms: a device does not stop
  // because the platform does, and what the broker did not acknowledge it sends again later.
  let publishing: NodeJS.Timeout | undefined;
  device.on('connect', () => {
    publish();
    publishing ??= setInterval(() => device.connected && publish(), 2);
  });
  t.after(() => clearInterval(publishing));

  const platform = startPlatform(dir, { SIM_DEVICES: '0', SUMMARY_INTERVAL_MS: '0', MQTT_PORT: String(port) });
  t.after(() => platform.kill('SIGKILL'));
  await platform.waitFor(STARTED);
  await waitFor('300 readings acknowledged', () => acked.length >= 300, 60_000, 20);
  platform.signal('SIGTERM');
  const exit = await platform.exited;
  clearInterval(publishing);
  assert.equal(exit.code, 0, `platform exit ${JSON.stringify(exit)}:\n${platform.output.slice(-3_000)}`);

  const stored = await storedSeqs(dir, ref);
  const lost = acked.filter((n) => !stored.has(n));
  assert.equal(lost.length, 0, `${lost.length} of ${acked.length} acknowledged readings lost: seq ${lost.slice(0, 5).join(', ')}…${lost.slice(-3).join(', ')}\n${platform.output.slice(-3_000)}`);
});
