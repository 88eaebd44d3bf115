import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus, type BusMessage } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { ConsumerPolicy } from './consumer-policy.js';
import type { DeadLetterEntry } from './dead-letter-sink.js';

const logger = createLogger({ service: 'spec', level: 'silent' });
const SUBJECT = 'pm.telemetry.plant-1.pump-7';
const down = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const refused = () => Object.assign(new Error('value too long for type character varying(8)'), { code: '22001' });

async function settle(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A bus on a manual clock, a recording sink and a policy with no jitter (random = 1). */
async function rig(sink: (entries: readonly DeadLetterEntry[]) => Promise<void> = async () => undefined) {
  const clock = new ManualClock(0);
  const bus = new InProcessBus({ clock });
  await bus.start();
  const letters: DeadLetterEntry[] = [];
  const policy = new ConsumerPolicy({
    consumer: 'spec-consumer',
    deadLetters: { record: async (entries) => { await sink(entries); letters.push(...entries); } },
    logger,
    random: () => 1,
    backoff: { baseMs: 1_000, maxMs: 8_000 },
  });
  const deliveries: BusMessage[] = [];
  /** Advances the clock by `ms` in 1 s steps, letting the bus deliver in between. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1_000) {
      clock.advance(1_000);
      await settle();
    }
  };
  return { bus, clock, policy, letters, deliveries, run };
}

/** A policy alone (no bus), with the rig's backoff and no jitter. */
function rigless() {
  const letters: DeadLetterEntry[] = [];
  const policy = new ConsumerPolicy({ consumer: 'spec-consumer', deadLetters: { record: async (entries) => void letters.push(...entries) }, logger, random: () => 1, backoff: { baseMs: 1_000, maxMs: 8_000 } });
  return { policy, letters };
}

describe('ConsumerPolicy', () => {
  it('retryLater hands a message back after the transient backoff of its delivery count and never dead-letters it', () => {
    const { policy, letters } = rigless();
    const naks: (number | undefined)[] = [];
    const message = (deliveryCount: number) => ({ seq: deliveryCount, deliveryCount, subject: SUBJECT, nak: (ms?: number) => naks.push(ms) }) as unknown as BusMessage;
    for (const count of [1, 2, 3, 4, 5, 20]) policy.retryLater(message(count));
    assert.deepEqual(naks, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    assert.deepEqual(letters, []);
  });

  it('naks transient failures with capped backoff and never gives up while they last', async () => {
    const { bus, policy, letters, deliveries, run } = await rig();
    let outage = true;
    await bus.consume(policy.spec({ stream: 'PM_TELEMETRY', durable: 'c1', filterSubject: 'pm.telemetry.>' }), policy.guard((m) => {
      deliveries.push(m);
      if (outage) throw down();
      m.ack();
    }));
    await bus.publish(SUBJECT, new TextEncoder().encode('{}'));
    await settle();
    // 1, 2, 4, 8, 8, 8… s apart: 14 deliveries take ~90 s, well past the old 10 × 1 s.
    await run(100_000);
    assert.ok(deliveries.length >= 14, `${deliveries.length} deliveries`);
    assert.deepEqual(letters, []);
    outage = false;
    await run(10_000);
    assert.equal(letters.length, 0);
    assert.equal(deliveries.at(-1)!.deliveryCount, deliveries.length, 'the same message, delivered again and again');
    const last = deliveries.length;
    await run(30_000);
    assert.equal(deliveries.length, last, 'acked once the outage ended');
    await bus.stop();
  });

  it('dead-letters a message that fails permanently three times, then terminates it', async () => {
    const { bus, policy, letters, deliveries, run } = await rig();
    await bus.consume(policy.spec({ stream: 'PM_TELEMETRY', durable: 'c2', filterSubject: 'pm.telemetry.>' }), policy.guard((m) => {
      deliveries.push(m);
      throw refused();
    }));
    await bus.publish(SUBJECT, new TextEncoder().encode('poison'));
    await settle();
    await run(60_000);
    await policy.settled();
    assert.equal(deliveries.length, 3);
    assert.equal(letters.length, 1);
    const [letter] = letters;
    assert.equal(letter!.topic, SUBJECT);
    assert.equal(letter!.deviceId, 'plant-1/pump-7');
    assert.equal(letter!.source, 'spec-consumer');
    assert.match(letter!.reason, /spec-consumer gave up after 3 permanent failure\(s\): value too long/);
    assert.equal(new TextDecoder().decode(letter!.payload), 'poison');
    await bus.stop();
  });

  it('does not count a failure shared with a batch; the message is marked to be handled alone', async () => {
    const { bus, policy, letters, deliveries, run } = await rig();
    await bus.consume(policy.spec({ stream: 'PM_TELEMETRY', durable: 'c3', filterSubject: 'pm.telemetry.>' }), (m) => {
      deliveries.push(m);
      if (policy.isSuspect(m)) m.ack();
      else policy.fail(m, refused(), { batched: true });
    });
    await bus.publish(SUBJECT, new TextEncoder().encode('innocent'));
    await settle();
    await run(10_000);
    assert.deepEqual(deliveries.map((m) => m.deliveryCount), [1, 2]);
    assert.deepEqual(letters, []);
    await bus.stop();
  });

  it('naks when the dead letter cannot be written, and writes it on a later delivery', async () => {
    let sinkDown = true;
    const { bus, policy, letters, deliveries, run } = await rig(async () => {
      if (sinkDown) throw down();
    });
    await bus.consume(policy.spec({ stream: 'PM_TELEMETRY', durable: 'c4', filterSubject: 'pm.telemetry.>' }), (m) => {
      deliveries.push(m);
      void policy.deadLetter(m, 'unreadable');
    });
    await bus.publish(SUBJECT, new TextEncoder().encode('x'));
    await settle();
    await run(5_000);
    assert.ok(deliveries.length >= 2, 'came back after the failed write');
    sinkDown = false;
    await run(20_000);
    await policy.settled();
    assert.equal(letters.length, 1);
    const count = deliveries.length;
    await run(20_000);
    assert.equal(deliveries.length, count, 'terminated once written');
    await bus.stop();
  });
});
