import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { DiskQueue, type DiskQueueOptions } from './disk-queue.js';

const logger = createLogger({ service: 'edge-agent-spec', level: 'silent' });
const text = (p: Uint8Array) => Buffer.from(p).toString();

function options(dir: string, extra: Partial<DiskQueueOptions> = {}): DiskQueueOptions {
  return { dir, maxBytes: 1024 * 1024, maxAgeMs: 0, fsync: 'always', clock: new ManualClock(), logger, ...extra };
}

async function drain(queue: DiskQueue): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const batch = await queue.read(7);
    if (batch.length === 0) return out;
    for (const e of batch) {
      out.push(text(e.payload));
      queue.commit(e);
    }
  }
}

describe('DiskQueue', () => {
  it('keeps records across a reopen and resumes after the last commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-queue-'));
    const q = await DiskQueue.open(options(dir, { segmentBytes: 4096 }));
    for (let i = 0; i < 500; i++) await q.append(1, Buffer.from(`m${i}`));
    const first = await q.read(100);
    for (const e of first.slice(0, 60)) q.commit(e);
    await q.close();
    const again = await DiskQueue.open(options(dir, { segmentBytes: 4096 }));
    assert.equal(again.stats().depth, 440);
    const rest = await drain(again);
    assert.deepEqual(rest, Array.from({ length: 440 }, (_, i) => `m${i + 60}`));
    assert.equal(again.stats().depth, 0);
    await again.close();
  });

  it('cuts a segment truncated mid-record at the last intact record and keeps every earlier one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-queue-'));
    const q = await DiskQueue.open(options(dir));
    for (let i = 0; i < 10; i++) await q.append(2, Buffer.from(`record-${i}`.padEnd(40, '.')));
    await q.close();
    const segment = readdirSync(dir).filter((n) => n.endsWith('.seg')).map((n) => join(dir, n)).find((p) => statSync(p).size > 0)!;
    truncateSync(segment, statSync(segment).size - 17);
    appendFileSync(segment, Buffer.from([1, 2, 3]));
    const reopened = await DiskQueue.open(options(dir));
    assert.equal(reopened.stats().repaired, 1);
    const got = await drain(reopened);
    assert.deepEqual(got.map((g) => g.slice(0, 8)), Array.from({ length: 9 }, (_, i) => `record-${i}`));
    await reopened.append(2, Buffer.from('after-repair'));
    assert.deepEqual(await drain(reopened), ['after-repair']);
    await reopened.close();
  });

  it('evicts the oldest segment when full and counts what it dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-queue-'));
    const q = await DiskQueue.open(options(dir, { maxBytes: 20_000, segmentBytes: 4096 }));
    for (let i = 0; i < 400; i++) await q.append(1, Buffer.from(`x${i}`.padEnd(100, ' ')));
    const s = q.stats();
    assert.ok(s.bytes <= 20_000, `bytes ${s.bytes}`);
    assert.ok(s.dropped > 0);
    assert.equal(s.depth + s.dropped, 400);
    const got = await drain(q);
    assert.equal(got.at(-1)!.trim(), 'x399');
    // Oldest first: what is left is a contiguous run ending with the newest record.
    assert.equal(got[0]!.trim(), `x${400 - got.length}`);
    await q.close();
    const reopened = await DiskQueue.open(options(dir, { maxBytes: 20_000, segmentBytes: 4096 }));
    assert.equal(reopened.stats().dropped, s.dropped);
    await reopened.close();
  });

  it('drops records older than the age limit, counting them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-queue-'));
    const clock = new ManualClock();
    const q = await DiskQueue.open(options(dir, { maxAgeMs: 60_000, clock }));
    await q.append(1, Buffer.from('old'));
    await clock.advanceAsync(30_000);
    await q.append(1, Buffer.from('new'));
    await clock.advanceAsync(40_000);
    assert.deepEqual(await drain(q), ['new']);
    assert.equal(q.stats().dropped, 1);
    await q.close();
  });

  it('re-reads uncommitted records after a rewind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-queue-'));
    const q = await DiskQueue.open(options(dir));
    for (const m of ['a', 'b', 'c']) await q.append(1, Buffer.from(m));
    const [a] = await q.read(3);
    q.commit(a!);
    q.rewind();
    assert.deepEqual(await drain(q), ['b', 'c']);
    await q.close();
  });
});
