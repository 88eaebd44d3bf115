// The embedded platform's broker keeps device messages in memory (Aedes sessions, empty at each
// start): whatever it acknowledges to a device must end up in the database — from a device that
// was there before ingest subscribed (a fleet reconnecting to a restarted platform) to one still
// publishing through the SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '@premonitor/testkit';
import { busyDevice } from './support/busy-device.js';
import { STARTED, addDevice, startPlatform, storedSeqs, tempDataFolder } from './support/embedded-platform-process.js';
import { waitFor } from './support/wait.js';

const ref = { site: 'drain-test', device: 'busy-1' };
const PASSWORD = 'busy-device-password-0123';

test('every reading the broker acknowledged is stored: from a device there before ingest subscribed, through a SIGTERM while it publishes', async (t) => {
  const dir = await tempDataFolder(t);
  await addDevice(dir, ref, PASSWORD);
  const port = await freePort();
  // The device is there first and retries fast.
  const device = busyDevice(t, port, ref, PASSWORD);
  const { acked } = device;

  const platform = startPlatform(dir, { SIM_DEVICES: '0', SUMMARY_INTERVAL_MS: '0', MQTT_PORT: String(port) });
  t.after(() => platform.kill('SIGKILL'));
  await platform.waitFor(STARTED);
  await waitFor('300 readings acknowledged', () => acked.length >= 300, 60_000, 20);
  platform.signal('SIGTERM');
  const exit = await platform.exited;
  device.stopPublishing();
  assert.equal(exit.code, 0, `platform exit ${JSON.stringify(exit)}:\n${platform.output.slice(-3_000)}`);

  const stored = await storedSeqs(dir, ref);
  const lost = acked.filter((n) => !stored.has(n));
  assert.equal(lost.length, 0, `${lost.length} of ${acked.length} acknowledged readings lost: seq ${lost.slice(0, 5).join(', ')}…${lost.slice(-3).join(', ')}\n${platform.output.slice(-3_000)}`);
});
