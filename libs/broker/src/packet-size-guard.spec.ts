import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketSizeGuard } from './packet-size-guard.js';

/** One MQTT packet: fixed-header byte, remaining length (variable-length integer), body. */
function packet(typeByte: number, body: Buffer): Buffer {
  const length: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([typeByte, ...length]), body]);
}
const str = (s: string) => Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s)]);
// CONNECT, MQTT 3.1.1, clean session, username and password flags, keepalive 30.
const connect = packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 30]), str('c'), str('u'), str('p')]));
const publish = (bytes: number) => packet(0x30, Buffer.concat([str('t'), Buffer.alloc(bytes)]));

test('passes packets within the limits, however the stream is split', () => {
  const stream = Buffer.concat([connect, publish(10), publish(300), publish(16_000), publish(0)]);
  for (const step of [1, 2, 3, 7, 64, stream.length]) {
    const guard = new PacketSizeGuard(100, 20_000);
    for (let i = 0; i < stream.length; i += step) assert.equal(guard.inspect(stream.subarray(i, i + step)), undefined, `step ${step} at ${i}`);
  }
});

test('refuses an oversized packet from its header, before the body arrives', () => {
  const guard = new PacketSizeGuard(100, 1024 * 1024);
  assert.equal(guard.inspect(connect), undefined);
  const big = publish(32 * 1024 * 1024);
  const refusal = guard.inspect(big.subarray(0, 8));
  assert.deepEqual(refusal, { reason: 'too-large', declaredBytes: big.length, limitBytes: 1024 * 1024, firstPacket: false });
});

test('the first packet has its own limit, and the limit can be narrowed after login', () => {
  assert.equal(new PacketSizeGuard(16, 1000).inspect(connect)?.reason, 'too-large');
  const guard = new PacketSizeGuard(100, 1000);
  assert.equal(guard.inspect(connect), undefined);
  assert.equal(guard.inspect(publish(500)), undefined);
  guard.limit = 200;
  assert.deepEqual(guard.inspect(publish(500)), { reason: 'too-large', declaredBytes: publish(500).length, limitBytes: 200, firstPacket: false });
});

test('a remaining length longer than four bytes is malformed', () => {
  const guard = new PacketSizeGuard(100, 1000);
  assert.deepEqual(guard.inspect(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), { reason: 'malformed' });
});
