import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NoStreamForSubjectError, type Bus, type BusMessage, type ConsumerSpec, type MessageHandler } from '@premonitor/bus';
import { waitFor } from './support/wait.js';

/** A durable a contract run created, so real servers can be cleaned up afterwards. */
export interface CreatedDurable {
  readonly stream: string;
  readonly durable: string;
}

/** One `Bus` implementation under test. */
export interface BusTarget {
  readonly name: string;
  /** `describe` skip option: a reason string when the backing service is missing. */
  readonly skip: string | false;
  /** Returns a started bus. */
  create(): Promise<Bus>;
  /** Removes what this run left on a shared server. */
  cleanup?(durables: readonly CreatedDurable[]): Promise<void>;
}

const STREAM = 'PM_TELEMETRY';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (m: BusMessage): string => decoder.decode(m.data);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every `Bus` must show, run against each adapter. Each run publishes under its
 * own site id and each test under its own device, with consumers filtered on that subject, so
 * messages left in a shared server's streams by earlier runs never reach these consumers.
 */
export function busContract(target: BusTarget): void {
  describe(`Bus contract: ${target.name}`, { skip: target.skip }, () => {
    const run = `ct${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const durables: CreatedDurable[] = [];
    let bus: Bus;
    let devices = 0;

    /** A subject of its own for one test. */
    const subject = (): string => `pm.telemetry.${run}.d${++devices}`;
    const consumer = (name: string, filterSubject: string, extra: Partial<ConsumerSpec> = {}): ConsumerSpec => {
      const durable = `${run}-${name}`;
      if (!durables.some((d) => d.durable === durable)) durables.push({ stream: STREAM, durable });
      return { stream: STREAM, durable, filterSubject, ...extra };
    };
    const publishAll = async (to: string, payloads: readonly string[]): Promise<number[]> => {
      const seqs: number[] = [];
      for (const payload of payloads) seqs.push((await bus.publish(to, encoder.encode(payload))).seq);
      return seqs;
    };
    const acking = (into: BusMessage[]): MessageHandler => (m) => {
      into.push(m);
      m.ack();
    };

    before(async () => {
      bus = await target.create();
    });

    after(async () => {
      await bus?.stop();
      await target.cleanup?.(durables);
    });

    it('is ready once started', () => {
      assert.equal(bus.isReady(), true);
    });

    it('delivers a published message with its subject, bytes, headers and sequence', async () => {
      const to = subject();
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('roundtrip', to), acking(got));
      const result = await bus.publish(to, encoder.encode('hello'), { headers: { 'x-trace': 'abc' } });
      assert.equal(result.duplicate, false);
      const [m] = await waitFor('the message', () => (got.length > 0 ? got : undefined));
      assert.equal(m.subject, to);
      assert.equal(text(m), 'hello');
      assert.equal(m.headers['x-trace'], 'abc');
      assert.equal(m.seq, result.seq);
      assert.equal(m.deliveryCount, 1);
      await sub.stop();
    });

    it('stores a message published twice with one msgId only once', async () => {
      const to = subject();
      const first = await bus.publish(to, encoder.encode('once'), { msgId: `${run}-dedup` });
      const again = await bus.publish(to, encoder.encode('once'), { msgId: `${run}-dedup` });
      assert.deepEqual(again, { seq: first.seq, duplicate: true });
      await bus.publish(to, encoder.encode('marker'));
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('dedup', to), acking(got));
      await waitFor('the marker', () => got.some((m) => text(m) === 'marker'));
      assert.deepEqual(got.map(text), ['once', 'marker']);
      await sub.stop();
    });

    it('gives every message to each of two distinct durables', async () => {
      const to = subject();
      const a: BusMessage[] = [];
      const b: BusMessage[] = [];
      const subs = [await bus.consume(consumer('fan-a', to), acking(a)), await bus.consume(consumer('fan-b', to), acking(b))];
      const payloads = Array.from({ length: 10 }, (_, i) => `m${i}`);
      await publishAll(to, payloads);
      await waitFor('both durables to get all 10', () => a.length >= 10 && b.length >= 10);
      assert.deepEqual(new Set(a.map(text)), new Set(payloads));
      assert.deepEqual(new Set(b.map(text)), new Set(payloads));
      await Promise.all(subs.map((s) => s.stop()));
    });

    it('splits one durable between two consumers, never giving a first delivery to both', async () => {
      const to = subject();
      const spec = consumer('shared', to);
      const slowAck = (into: BusMessage[]): MessageHandler => async (m) => {
        into.push(m);
        await sleep(5);
        m.ack();
      };
      const one: BusMessage[] = [];
      const two: BusMessage[] = [];
      const subs = [await bus.consume(spec, slowAck(one)), await bus.consume(spec, slowAck(two))];
      await sleep(200);
      const seqs = await publishAll(to, Array.from({ length: 40 }, (_, i) => `w${i}`));
      await waitFor('all 40 to be handled', () => new Set([...one, ...two].map((m) => m.seq)).size === seqs.length);
      const firstOne = new Set(one.filter((m) => m.deliveryCount === 1).map((m) => m.seq));
      const both = two.filter((m) => m.deliveryCount === 1 && firstOne.has(m.seq));
      assert.deepEqual(both, []);
      assert.ok(one.length > 0 && two.length > 0, `work not shared: ${one.length} vs ${two.length}`);
      await Promise.all(subs.map((s) => s.stop()));
    });

    it('redelivers a nak’d message with deliveryCount 2', async () => {
      const to = subject();
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('nak', to), (m) => {
        got.push(m);
        if (m.deliveryCount === 1) m.nak();
        else m.ack();
      });
      const [seq] = await publishAll(to, ['retry me']);
      await waitFor('the redelivery', () => got.length >= 2);
      assert.deepEqual(got.map((m) => [m.seq, m.deliveryCount]), [[seq, 1], [seq, 2]]);
      await sub.stop();
    });

    it('redelivers a message left unacknowledged once ackWait passes', async () => {
      const to = subject();
      const got: Array<{ count: number; at: number }> = [];
      const sub = await bus.consume(consumer('ackwait', to, { ackWaitMs: 500 }), (m) => {
        got.push({ count: m.deliveryCount, at: Date.now() });
        if (m.deliveryCount > 1) m.ack();
      });
      await publishAll(to, ['forgotten']);
      await waitFor('the redelivery', () => got.length >= 2, 5_000);
      assert.equal(got[1].count, 2);
      assert.ok(got[1].at - got[0].at >= 400, `redelivered after only ${got[1].at - got[0].at} ms`);
      await sub.stop();
    });

    it('never redelivers a terminated message', async () => {
      const to = subject();
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('term', to, { ackWaitMs: 500 }), (m) => {
        got.push(m);
        m.term('poison');
      });
      await publishAll(to, ['poison']);
      await waitFor('the delivery', () => got.length >= 1);
      await sleep(1_300);
      assert.equal(got.length, 1);
      await sub.stop();
    });

    it('gives up after maxDeliver deliveries', async () => {
      const to = subject();
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('maxdeliver', to, { ackWaitMs: 500, maxDeliver: 2 }), (m) => {
        got.push(m);
        m.nak();
      });
      await publishAll(to, ['always fails']);
      await waitFor('two deliveries', () => got.length >= 2);
      await sleep(1_200);
      assert.deepEqual(got.map((m) => m.deliveryCount), [1, 2]);
      await sub.stop();
    });

    it('with maxDeliver -1 never gives up on a message (a ConsumerPolicy decides instead)', async () => {
      const to = subject();
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('unlimited', to, { maxDeliver: -1 }), (m) => {
        got.push(m);
        if (m.deliveryCount < 13) m.nak();
        else m.ack();
      });
      await publishAll(to, ['keeps coming back']);
      await waitFor('the 13th delivery', () => got.length >= 13, 10_000);
      assert.deepEqual(got.map((m) => m.deliveryCount), Array.from({ length: 13 }, (_, i) => i + 1));
      await sub.stop();
    });

    it('resumes a restarted durable after its last ack without losing unacked messages', async () => {
      const to = subject();
      const spec = consumer('restart', to, { ackWaitMs: 500 });
      const first: BusMessage[] = [];
      const sub1 = await bus.consume(spec, (m) => {
        first.push(m);
        if (['1', '2', '3'].includes(text(m))) m.ack();
      });
      await publishAll(to, ['1', '2', '3', '4', '5']);
      await waitFor('the first five', () => new Set(first.map(text)).size === 5);
      await sub1.stop();
      await publishAll(to, ['6', '7']);
      const second: BusMessage[] = [];
      const sub2 = await bus.consume(spec, acking(second));
      await waitFor('4 to 7 after the restart', () => ['4', '5', '6', '7'].every((p) => second.some((m) => text(m) === p)), 5_000);
      await sleep(700);
      assert.deepEqual([...new Set(second.map(text))].sort(), ['4', '5', '6', '7']);
      await sub2.stop();
    });

    it('delivers one subject in publish order to a single consumer', async () => {
      const to = subject();
      const payloads = Array.from({ length: 30 }, (_, i) => String(i));
      await publishAll(to, payloads);
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('order', to), acking(got));
      await waitFor('all 30', () => got.length >= 30);
      assert.deepEqual(got.map(text), payloads);
      assert.ok(got.every((m, i) => i === 0 || m.seq > got[i - 1].seq));
      await sub.stop();
    });

    it('starts a durable with deliverPolicy new after the messages already stored', async () => {
      const to = subject();
      await publishAll(to, ['old']);
      const got: BusMessage[] = [];
      const sub = await bus.consume(consumer('new', to, { deliverPolicy: 'new' }), acking(got));
      await publishAll(to, ['fresh']);
      await waitFor('the fresh message', () => got.length >= 1);
      await sleep(100);
      assert.deepEqual(got.map(text), ['fresh']);
      await sub.stop();
    });

    it('rejects a publish on a subject no stream stores', async () => {
      await assert.rejects(bus.publish(`pm.nowhere.${run}.d1`, encoder.encode('lost')), NoStreamForSubjectError);
    });
  });
}
