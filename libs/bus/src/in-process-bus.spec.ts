import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@premonitor/time';
import type { BusMessage, ConsumerSpec, StreamLimits } from './bus.js';
import { InvalidFilterError, NoStreamForSubjectError, UnknownStreamError } from './errors.js';
import { InProcessBus } from './in-process-bus.js';

const SUBJECT = 'pm.telemetry.s1.d1';
const LIMITS: StreamLimits = { maxAgeMs: 60_000, maxBytes: 1_000_000, duplicateWindowMs: 10_000 };

function spec(overrides: Partial<ConsumerSpec> = {}): ConsumerSpec {
  return { stream: 'PM_TELEMETRY', durable: 'spec', filterSubject: 'pm.telemetry.>', ackWaitMs: 1_000, ...overrides };
}

/** Lets the bus run its pending deliveries (it dispatches on setImmediate). */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function started(limits = LIMITS): Promise<{ bus: InProcessBus; clock: ManualClock }> {
  const clock = new ManualClock();
  const bus = new InProcessBus({ clock, limits });
  await bus.start();
  return { bus, clock };
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe('InProcessBus', () => {
  it('delivers on a later tick, never inside publish', async () => {
    const { bus } = await started();
    const seen: number[] = [];
    await bus.consume(spec(), (m) => { seen.push(m.seq); m.ack(); });
    await bus.publish(SUBJECT, bytes('a'));
    assert.deepEqual(seen, []);
    await settle();
    assert.deepEqual(seen, [1]);
    await bus.stop();
  });

  it('redelivers an unacknowledged message exactly when ackWait passes', async () => {
    const { bus, clock } = await started();
    const seen: BusMessage[] = [];
    await bus.consume(spec({ ackWaitMs: 1_000 }), (m) => { seen.push(m); });
    await bus.publish(SUBJECT, bytes('a'));
    await settle();
    clock.advance(999);
    await settle();
    assert.equal(seen.length, 1);
    clock.advance(1);
    await settle();
    assert.deepEqual(seen.map((m) => m.deliveryCount), [1, 2]);
    seen[1].ack();
    clock.advance(5_000);
    await settle();
    assert.equal(seen.length, 2);
    await bus.stop();
  });

  it('holds a nak with a delay back for that delay', async () => {
    const { bus, clock } = await started();
    const seen: BusMessage[] = [];
    await bus.consume(spec(), (m) => { seen.push(m); if (m.deliveryCount === 1) m.nak(300); else m.ack(); });
    await bus.publish(SUBJECT, bytes('a'));
    await settle();
    clock.advance(299);
    await settle();
    assert.equal(seen.length, 1);
    clock.advance(1);
    await settle();
    assert.equal(seen.length, 2);
    await bus.stop();
  });

  it('stops redelivering after maxDeliver timed-out deliveries', async () => {
    const { bus, clock } = await started();
    let deliveries = 0;
    await bus.consume(spec({ maxDeliver: 3 }), () => { deliveries++; });
    await bus.publish(SUBJECT, bytes('a'));
    for (let i = 0; i < 6; i++) {
      await settle();
      clock.advance(1_000);
    }
    await settle();
    assert.equal(deliveries, 3);
    await bus.stop();
  });

  it('never has more than maxAckPending messages outstanding', async () => {
    const { bus } = await started();
    const outstanding: BusMessage[] = [];
    await bus.consume(spec({ maxAckPending: 2 }), (m) => { outstanding.push(m); });
    for (let i = 0; i < 5; i++) await bus.publish(SUBJECT, bytes(String(i)));
    await settle();
    assert.deepEqual(outstanding.map((m) => m.seq), [1, 2]);
    outstanding[0].ack();
    await settle();
    assert.deepEqual(outstanding.map((m) => m.seq), [1, 2, 3]);
    await bus.stop();
  });

  it('naks a message whose handler throws, for immediate redelivery', async () => {
    const { bus } = await started();
    const counts: number[] = [];
    await bus.consume(spec(), async (m) => {
      counts.push(m.deliveryCount);
      if (m.deliveryCount === 1) throw new Error('boom');
      m.ack();
    });
    await bus.publish(SUBJECT, bytes('a'));
    await settle(10);
    assert.deepEqual(counts, [1, 2]);
    await bus.stop();
  });

  it('discards messages older than maxAge and the oldest beyond maxBytes', async () => {
    const { bus, clock } = await started({ maxAgeMs: 1_000, maxBytes: 3 * (SUBJECT.length + 1), duplicateWindowMs: 1_000 });
    await bus.publish(SUBJECT, bytes('a'));
    clock.advance(1_000);
    for (const text of ['b', 'c', 'd', 'e']) await bus.publish(SUBJECT, bytes(text));
    const seen: string[] = [];
    await bus.consume(spec(), (m) => { seen.push(new TextDecoder().decode(m.data)); m.ack(); });
    await settle();
    assert.deepEqual(seen, ['c', 'd', 'e']);
    await bus.stop();
  });

  it('recognises a msgId only within the duplicate window', async () => {
    const { bus, clock } = await started();
    assert.deepEqual(await bus.publish(SUBJECT, bytes('a'), { msgId: 'x' }), { seq: 1, duplicate: false });
    clock.advance(9_999);
    assert.deepEqual(await bus.publish(SUBJECT, bytes('a'), { msgId: 'x' }), { seq: 1, duplicate: true });
    clock.advance(1);
    assert.deepEqual(await bus.publish(SUBJECT, bytes('a'), { msgId: 'x' }), { seq: 2, duplicate: false });
    await bus.stop();
  });

  it('waits for an in-flight handler when a subscription stops', async () => {
    const { bus } = await started();
    let release = (): void => undefined;
    let finished = false;
    const subscription = await bus.consume(spec(), async (m) => {
      await new Promise<void>((resolve) => { release = resolve; });
      finished = true;
      m.ack();
    });
    await bus.publish(SUBJECT, bytes('a'));
    await settle();
    const stopping = subscription.stop();
    setTimeout(() => release(), 20);
    await stopping;
    assert.equal(finished, true);
    await bus.stop();
  });

  it('redelivers unacknowledged messages after the bus restarts', async () => {
    const { bus } = await started();
    await bus.consume(spec(), () => undefined);
    await bus.publish(SUBJECT, bytes('a'));
    await settle();
    await bus.stop();
    await bus.start();
    const counts: number[] = [];
    await bus.consume(spec(), (m) => { counts.push(m.deliveryCount); m.ack(); });
    await settle();
    assert.deepEqual(counts, [2]);
    await bus.stop();
  });

  it('rejects uncovered subjects, unknown streams and filters outside the stream', async () => {
    const { bus } = await started();
    await assert.rejects(bus.publish('pm.nowhere.s1.d1', bytes('a')), NoStreamForSubjectError);
    await assert.rejects(bus.consume(spec({ stream: 'PM_NOPE' }), () => undefined), UnknownStreamError);
    await assert.rejects(bus.consume(spec({ filterSubject: 'pm.scores.>' }), () => undefined), InvalidFilterError);
    await bus.stop();
  });

  it('moves at least 20,000 messages a second through publish, consume and ack', async () => {
    const bus = new InProcessBus();
    await bus.start();
    const total = 50_000;
    let acked = 0;
    let done = (): void => undefined;
    const finished = new Promise<void>((resolve) => { done = resolve; });
    await bus.consume(spec({ maxAckPending: 1_000 }), (m) => {
      m.ack();
      if (++acked === total) done();
    });
    const payload = new Uint8Array(200);
    // CPU time rather than wall time: the rate then holds on a machine busy with other work.
    const began = process.cpuUsage();
    for (let i = 0; i < total; i++) void bus.publish(`pm.telemetry.s1.d${i % 100}`, payload, { msgId: `m-${i}` });
    await finished;
    const used = process.cpuUsage(began);
    const perSecond = total / ((used.user + used.system) / 1e6);
    assert.ok(perSecond >= 20_000, `moved only ${Math.round(perSecond)} msgs/s`);
    await bus.stop();
  });
});
