// The embedded broker acknowledges a device's message before ingest has stored it, and keeps it in
// memory only: a SIGKILL of the platform at that moment would lose a message its device had
// already dropped. The broker's journal writes each one to the data folder before the PUBACK, and
// the next start publishes again what was not yet stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@premonitor/testkit';
import { busyDevice } from './support/busy-device.js';
import type { NodeProcess } from './support/node-process.js';
import { STARTED, addDevice, startPlatform, storedSeqCounts, tempDataFolder } from './support/embedded-platform-process.js';
import { waitFor } from './support/wait.js';

const ref = { site: 'kill-test', device: 'busy-1' };
const PASSWORD = 'busy-device-password-0123';

test('every reading the broker acknowledged before a SIGKILL is stored exactly once after the restart', { timeout: 600_000 }, async (t) => {
  const dir = await tempDataFolder(t);
  await addDevice(dir, ref, PASSWORD);
  const port = await freePort();
  // Publishing every 2 ms while connected: ingest always has some acknowledged and not yet stored.
  const device = busyDevice(t, port, ref, PASSWORD);
  const { acked } = device;
  const running = new Set<NodeProcess>();
  t.after(async () => {
    for (const p of running) await p.kill('SIGKILL');
  });
  const start = async () => {
    const p = startPlatform(dir, { SIM_DEVICES: '0', SUMMARY_INTERVAL_MS: '0', MQTT_PORT: String(port) });
    running.add(p);
    await p.waitFor(STARTED);
    return p;
  };

  // Killed twice mid-stream: the second start replays the first's journal while the device is publishing again.
  for (let round = 1; round <= 2; round++) {
    const p = await start();
    const before = acked.length;
    await waitFor(`round ${round}: 300 more readings acknowledged`, () => acked.length >= before + 300, 60_000, 5);
    await p.kill('SIGKILL');
    running.delete(p);
  }
  const killedAt = acked.length;
  const last = await start();
  await waitFor('300 readings acknowledged after the kills', () => acked.length >= killedAt + 300, 60_000, 5);
  device.stopPublishing();
  last.signal('SIGTERM');
  const exit = await last.exited;
  running.delete(last);
  assert.equal(exit.code, 0, `platform exit ${JSON.stringify(exit)}:\n${last.output.slice(-3_000)}`);
  assert.match(last.output, /MQTT journal: messages acknowledged to devices before the last run ended/, 'the last start replayed the journal of the run killed before it');

  const stored = await storedSeqCounts(dir, ref);
  const lost = acked.filter((n) => !stored.has(n));
  assert.equal(lost.length, 0, `${lost.length} of ${acked.length} acknowledged readings lost: seq ${lost.slice(0, 5).join(', ')}…${lost.slice(-3).join(', ')}`);
  const twice = [...stored].filter(([, n]) => n > 1);
  assert.equal(twice.length, 0, `readings stored more than once: ${twice.slice(0, 5).map(([s, n]) => `seq ${s} ×${n}`).join(', ')}`);
  // A clean stop leaves nothing to replay: every segment was stored and deleted.
  assert.deepEqual(await readdir(join(dir, 'mqtt-journal')), []);
});
