import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetryEvent } from '@premonitor/contracts';
import type { BusMessage } from './bus.js';
import { InvalidSubjectError } from './errors.js';
import { InProcessBus } from './in-process-bus.js';
import { decodeEvent, encodeEvent, eventSubject, publishEvent } from './typed-events.js';

const ref = { site: 'plant-1', device: 'pump-7' };
const event: TelemetryEvent = { ...ref, ts: 1_700_000_000_000, seq: 4, readings: { temp: 71.5 }, receivedAt: 1_700_000_000_050 };

async function firstMessage(bus: InProcessBus, filterSubject: string): Promise<BusMessage> {
  return new Promise((resolve) => {
    void bus.consume({ stream: filterSubject.startsWith('pm.frames') ? 'PM_FRAMES' : 'PM_TELEMETRY', durable: 'typed', filterSubject }, (m) => {
      m.ack();
      resolve(m);
    });
  });
}

describe('typed events', () => {
  it('publishes a telemetry event on its subject and decodes it back', async () => {
    const bus = new InProcessBus();
    await bus.start();
    const result = await publishEvent(bus, 'telemetry', [ref], event, { msgId: 'plant-1.pump-7.telemetry.4' });
    assert.equal(result.duplicate, false);
    const message = await firstMessage(bus, 'pm.telemetry.>');
    assert.equal(message.subject, 'pm.telemetry.plant-1.pump-7');
    assert.deepEqual(decodeEvent('telemetry', message), { ok: true, value: event });
    await bus.stop();
  });

  it('passes frames through as raw bytes', async () => {
    const bus = new InProcessBus();
    await bus.start();
    const frame = new Uint8Array([1, 2, 3]);
    await publishEvent(bus, 'frames', ['thermal', ref], frame);
    const message = await firstMessage(bus, 'pm.frames.>');
    assert.equal(message.subject, 'pm.frames.thermal.plant-1.pump-7');
    assert.deepEqual(decodeEvent('frames', message), { ok: true, value: frame });
    await bus.stop();
  });

  it('accepts a ready-made subject only when it belongs to the event', () => {
    assert.equal(eventSubject('telemetry', 'pm.telemetry.plant-1.pump-7'), 'pm.telemetry.plant-1.pump-7');
    assert.throws(() => eventSubject('telemetry', 'pm.status.plant-1.pump-7'), InvalidSubjectError);
  });

  it('reports a payload that fails its schema instead of throwing', () => {
    const bad = decodeEvent('telemetry', { data: encodeEvent('status', { ...ref, state: 'online', ts: 1 }) });
    assert.equal(bad.ok, false);
    const garbage = decodeEvent('telemetry', { data: new TextEncoder().encode('{not json') });
    assert.equal(garbage.ok, false);
    assert.match(garbage.ok ? '' : garbage.reason, /malformed JSON/);
  });

  it('ties payload types to the event name at compile time', () => {
    const bus = new InProcessBus();
    // @ts-expect-error a status payload is not a telemetry event
    void publishEvent(bus, 'telemetry', [ref], { ...ref, state: 'online', ts: 1 }).catch(() => undefined);
    // @ts-expect-error frames take (kind, ref)
    void publishEvent(bus, 'frames', [ref], new Uint8Array()).catch(() => undefined);
  });
});
