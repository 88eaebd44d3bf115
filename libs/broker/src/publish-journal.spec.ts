import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@premonitor/time';
import { PublishJournal, type JournalRecord, type PublishJournalOptions } from './publish-journal.js';

const warnings: unknown[] = [];
const logger = { debug: () => undefined, info: () => undefined, warn: (fields: unknown) => void warnings.push(fields), error: () => undefined } as unknown as PublishJournalOptions['logger'];

function folder(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pm-journal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const reading = (seq: number): JournalRecord => ({ topic: 'premonitor/v1/plant-1/pump-7/telemetry', payload: Buffer.from(JSON.stringify({ seq })), qos: 1, retain: false });
const recoveredOf = (journal: PublishJournal) => [...journal.recovered()].flatMap((s) => s.records);

test('what was appended is found again by the next open, in order, bytes for bytes', (t) => {
  const dir = folder(t);
  const journal = PublishJournal.open({ dir, maxBytes: 1 << 20, logger });
  const status: JournalRecord = { topic: 'premonitor/v1/plant-1/pump-7/status', payload: Buffer.from([0, 255, 10]), qos: 2, retain: true };
  journal.append(reading(1));
  journal.append(status);
  journal.append(reading(2));
  journal.close();
  assert.deepEqual(recoveredOf(PublishJournal.open({ dir, maxBytes: 1 << 20, logger })), [reading(1), status, reading(2)]);
});

test('a torn last record (a crash mid-write) is skipped with a warning, the records before it kept', (t) => {
  const dir = folder(t);
  const journal = PublishJournal.open({ dir, maxBytes: 1 << 20, logger });
  journal.append(reading(1));
  journal.append(reading(2));
  journal.close();
  const [file] = readdirSync(dir);
  const full = PublishJournal.open({ dir, maxBytes: 1 << 20, logger }).bytes;
  truncateSync(join(dir, file!), full - 5);
  warnings.length = 0;
  assert.deepEqual(recoveredOf(PublishJournal.open({ dir, maxBytes: 1 << 20, logger })), [reading(1)]);
  assert.equal(warnings.length, 1);
  // Garbage after a whole record (a length that runs past the end, or a bad CRC) is skipped the same way.
  appendFileSync(join(dir, file!), Buffer.from([255, 255, 255, 0, 1, 2, 3, 4, 5]));
  assert.deepEqual(recoveredOf(PublishJournal.open({ dir, maxBytes: 1 << 20, logger })), [reading(1)]);
});

test('refuses an append that would pass maxBytes, writing nothing', (t) => {
  const dir = folder(t);
  const journal = PublishJournal.open({ dir, maxBytes: 200, logger });
  let appended = 0;
  while (journal.append(reading(appended)) !== undefined) appended++;
  assert.ok(appended > 0 && journal.bytes <= 200, `${appended} appended, ${journal.bytes} bytes`);
  journal.close();
  assert.equal(recoveredOf(PublishJournal.open({ dir, maxBytes: 200, logger })).length, appended);
});

test('a segment is deleted only once its records were all routed and the storing subscriber holds none of them', async (t) => {
  const dir = folder(t);
  const clock = new ManualClock(0);
  const journal = PublishJournal.open({ dir, maxBytes: 1 << 20, logger, clock });
  const first = journal.append(reading(1))!;
  journal.append(reading(2));
  let position = 10;
  let oldestQueued = Infinity;
  // One record not routed yet: the segment is sealed but not marked, whatever the queue says.
  journal.routed(first);
  assert.equal(await journal.checkpoint(() => position, async () => oldestQueued, 60_000), 0);
  journal.routed(first);
  // Routed, marked at position 10; the subscriber still holds message 9 (and later ones).
  oldestQueued = 9;
  assert.equal(await journal.checkpoint(() => position, async () => oldestQueued, 60_000), 0);
  // The mark stays at 10 as the broker goes on.
  position = 12;
  assert.equal(await journal.checkpoint(() => position, async () => oldestQueued, 60_000), 0);
  // 10 itself unacknowledged: not yet.
  oldestQueued = 10;
  assert.equal(await journal.checkpoint(() => position, async () => oldestQueued, 60_000), 0);
  oldestQueued = 11;
  assert.equal(await journal.checkpoint(() => position, async () => oldestQueued, 60_000), 1);
  assert.equal(journal.bytes, 0);
  assert.deepEqual(readdirSync(dir), []);
});

test('a record never routed (its acknowledgement could not be sent) holds its segment only until givenUpAfterMs', async (t) => {
  const dir = folder(t);
  const clock = new ManualClock(0);
  const journal = PublishJournal.open({ dir, maxBytes: 1 << 20, logger, clock });
  journal.append(reading(1));
  assert.equal(await journal.checkpoint(() => 5, async () => Infinity, 60_000), 0);
  clock.advance(60_000);
  assert.equal(await journal.checkpoint(() => 5, async () => Infinity, 60_000), 1);
});

test('segments found at open wait for a checkpoint, and appends after them go to a new segment', async (t) => {
  const dir = folder(t);
  const first = PublishJournal.open({ dir, maxBytes: 1 << 20, logger });
  first.append(reading(1));
  first.close();
  const journal = PublishJournal.open({ dir, maxBytes: 1 << 20, logger });
  const segment = journal.append(reading(2))!;
  assert.deepEqual([...journal.recovered()].map((s) => s.segment), [segment - 1]);
  journal.routed(segment);
  // The kept segment goes first; the open one is sealed only once nothing sealed waits.
  assert.equal(await journal.checkpoint(() => 3, async () => Infinity, 60_000), 1);
  assert.equal(await journal.checkpoint(() => 3, async () => Infinity, 60_000), 1);
  assert.deepEqual(readdirSync(dir), []);
});

test('while a sealed segment waits for the subscriber, appends go on in one open segment instead of a file per checkpoint', async (t) => {
  const dir = folder(t);
  const journal = PublishJournal.open({ dir, maxBytes: 1 << 20, logger });
  const routedAppend = (seq: number) => journal.routed(journal.append(reading(seq))!);
  routedAppend(1);
  // Ingest holds message 1 and everything after it.
  assert.equal(await journal.checkpoint(() => 1, async () => 1, 60_000), 0);
  for (let seq = 2; seq <= 4; seq++) {
    routedAppend(seq);
    assert.equal(await journal.checkpoint(() => seq, async () => 1, 60_000), 0);
  }
  assert.equal(readdirSync(dir).length, 2, 'the waiting segment and one open segment');
  // Stored: the waiting one goes; the open one is sealed at the next checkpoint and goes with the one after.
  assert.equal(await journal.checkpoint(() => 4, async () => Infinity, 60_000), 1);
  assert.equal(await journal.checkpoint(() => 4, async () => Infinity, 60_000), 1);
  assert.deepEqual(readdirSync(dir), []);
});
