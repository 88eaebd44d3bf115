import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketReader, PacketType, connectPacket, parsePublish, publishPacket, remainingLength, subscribePacket } from './mqtt-wire.js';

describe('mqtt-wire', () => {
  it('encodes remaining lengths at the one-, two- and four-byte boundaries', () => {
    assert.deepEqual(remainingLength(0), [0]);
    assert.deepEqual(remainingLength(127), [127]);
    assert.deepEqual(remainingLength(128), [0x80, 0x01]);
    assert.deepEqual(remainingLength(268_435_455), [0xff, 0xff, 0xff, 0x7f]);
  });

  it('reads back a retained QoS 1 publish split across chunks', () => {
    const packet = publishPacket('premonitor/v1/s/d/status', Buffer.alloc(300, 7), { qos: 1, packetId: 42, retain: true });
    const reader = new PacketReader();
    assert.deepEqual(reader.push(packet.subarray(0, 2)), []);
    const [p] = reader.push(packet.subarray(2));
    assert.equal(p!.type, PacketType.publish);
    const parsed = parsePublish(p!);
    assert.equal(parsed.topic, 'premonitor/v1/s/d/status');
    assert.equal(parsed.packetId, 42);
    assert.equal(parsed.retain, true);
    assert.equal(parsed.payload.length, 300);
  });

  it('puts username, password and clean-session flags where MQTT 3.1.1 expects them', () => {
    const packet = connectPacket({ clientId: 'c', username: 'u', password: 'p', clean: false });
    const [p] = new PacketReader().push(packet);
    assert.equal(p!.type, PacketType.connect);
    // Protocol name (6 bytes) and level (1), then the flags byte.
    assert.equal(p!.body[7], 0x80 | 0x40);
  });

  it('splits several packets that arrive in one read', () => {
    const reader = new PacketReader();
    const packets = reader.push(Buffer.concat([subscribePacket(1, ['#']), Buffer.from([0x40, 0x02, 0x00, 0x01]), Buffer.from([0x90])]));
    assert.deepEqual(packets.map((p) => p.type), [PacketType.subscribe, PacketType.puback]);
    assert.equal(reader.push(Buffer.from([0x03, 0x00, 0x01, 0x80]))[0]!.body[2], 0x80);
  });
});
