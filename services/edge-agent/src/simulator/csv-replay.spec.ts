import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { telemetryMessage, type TelemetryMessage } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { CsvReplay, type CsvReplayOptions } from './csv-replay.js';
import { FakeMqtt } from './fake-mqtt.js';

const logger = createLogger({ service: 'edge-agent-spec', level: 'silent' });
const T = Date.UTC(2020, 2, 9, 10, 14, 33);

// Rows 10 s apart, with one bad row in the middle.
const path = join(mkdtempSync(join(tmpdir(), 'pm-replay-')), 'valve.csv');
writeFileSync(path, 'datetime;Pressure;anomaly\n2020-03-09 10:14:33;1.5;0\n2020-03-09 10:14:43;1.6;0\n2020-03-09 10:14:53;x;0\n2020-03-09 10:15:03;1.7;1\n');

async function replay(extra: Partial<CsvReplayOptions>, clock = new ManualClock()) {
  const fake = new FakeMqtt();
  const r = new CsvReplay({ path, mqttUrl: 'mqtt://fake', site: 'plant-1', device: 'valve-1', clock, logger, connector: fake.connector, ...extra });
  const started = r.start();
  await clock.advanceAsync(0);
  await started;
  return { r, fake, clock };
}

// The replay reads the file with real I/O, which a manual clock does not drive: let it run.
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('CsvReplay', () => {
  it('publishes each usable row as valid telemetry, counting the skipped one', async () => {
    const { r, fake } = await replay({ speedup: 0, timestamps: 'original' });
    const stats = await r.finished();
    const messages = fake.json<TelemetryMessage>('/telemetry');
    assert.deepEqual(messages.map((m) => m.ts), [T, T + 10_000, T + 30_000]);
    assert.deepEqual(messages.map((m) => m.seq), [0, 1, 2]);
    assert.deepEqual(messages[2]!.readings, { Pressure: 1.7, anomaly: 1 });
    for (const m of messages) assert.ok(telemetryMessage.safeParse(m).success);
    assert.equal(stats.rowsSent, 3);
    assert.equal(stats.rowsSkipped, 1);
    await r.stop();
  });

  it('paces rows by their gaps divided by speedup', async () => {
    const { r, fake, clock } = await replay({ speedup: 10 });
    await settle();
    assert.equal(fake.json('/telemetry').length, 1);
    await clock.advanceAsync(1000);
    await settle();
    assert.equal(fake.json('/telemetry').length, 2);
    await clock.advanceAsync(1999);
    await settle();
    assert.equal(fake.json('/telemetry').length, 2);
    await clock.advanceAsync(1);
    await r.finished();
    assert.equal(fake.json('/telemetry').length, 3);
    await r.stop();
  });

  it('by default shifts timestamps so that none is in the future and the last is stamped as sent', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const { r, fake } = await replay({ speedup: 10 }, clock);
    await settle();
    await clock.advanceAsync(1000);
    await settle();
    await clock.advanceAsync(2000);
    await r.finished();
    const ts = fake.json<TelemetryMessage>('/telemetry').map((m) => m.ts);
    // Gaps kept (10 s, 20 s), series ending at its send time, start + 3 s.
    assert.deepEqual(ts, [start + 3000 - 30_000, start + 3000 - 20_000, start + 3000]);
    await r.stop();
  });

  it('at speedup 0 ends the shifted series at the start time', async () => {
    const clock = new ManualClock();
    const { r, fake } = await replay({ speedup: 0 }, clock);
    await r.finished();
    assert.equal(fake.json<TelemetryMessage>('/telemetry').at(-1)!.ts, clock.now());
    await r.stop();
  });

  it('leaves out skipped columns and stops after maxRows', async () => {
    const { r, fake } = await replay({ speedup: 0, skipColumns: ['anomaly'], maxRows: 2 });
    await r.finished();
    assert.deepEqual(fake.json<TelemetryMessage>('/telemetry').map((m) => m.readings), [{ Pressure: 1.5 }, { Pressure: 1.6 }]);
    await r.stop();
  });
});
