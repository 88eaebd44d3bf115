/**
 * MQTT 3.1.1 packets on the wire, just what the raw clients need: CONNECT, PUBLISH,
 * SUBSCRIBE, DISCONNECT out; CONNACK, PUBACK, SUBACK, PUBLISH in. No validation of what is
 * sent — fuzzing and hostile clients need to send exactly the bytes they choose.
 */

/** Packet types (the high nibble of the first byte). */
export const PacketType = { connect: 1, connack: 2, publish: 3, puback: 4, subscribe: 8, suback: 9, disconnect: 14 } as const;

/** The variable-length "remaining length" field. */
export function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** A length-prefixed UTF-8 string (or raw bytes, for invalid strings). */
export function mqttString(s: string | Uint8Array): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** What a CONNECT carries. */
export interface ConnectFields {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Clean session (default true). */
  readonly clean?: boolean;
  /** Seconds (default 0: off — runs are short and local). */
  readonly keepAlive?: number;
  readonly will?: { readonly topic: string; readonly payload: Uint8Array; readonly qos?: 0 | 1; readonly retain?: boolean };
}

/** CONNECT, MQTT 3.1.1. */
export function connectPacket(f: ConnectFields): Buffer {
  let flags = f.clean === false ? 0 : 0x02;
  if (f.will) flags |= 0x04 | ((f.will.qos ?? 0) << 3) | (f.will.retain ? 0x20 : 0);
  if (f.username !== undefined) flags |= 0x80;
  if (f.password !== undefined) flags |= 0x40;
  const keepAlive = f.keepAlive ?? 0;
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, keepAlive >> 8, keepAlive & 0xff]);
  const parts = [variable, mqttString(f.clientId)];
  if (f.will) parts.push(mqttString(f.will.topic), mqttString(f.will.payload));
  if (f.username !== undefined) parts.push(mqttString(f.username));
  if (f.password !== undefined) parts.push(mqttString(f.password));
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

/** PUBLISH with QoS 0 or 1 (`packetId` is required for QoS 1). */
export function publishPacket(topic: string | Uint8Array, payload: Uint8Array, options: { qos?: 0 | 1; packetId?: number; retain?: boolean; dup?: boolean } = {}): Buffer {
  const qos = options.qos ?? 1;
  const topicBytes = mqttString(topic);
  const remaining = topicBytes.length + (qos > 0 ? 2 : 0) + payload.byteLength;
  const header = remainingLength(remaining);
  const packet = Buffer.allocUnsafe(1 + header.length + remaining);
  let o = 0;
  packet[o++] = 0x30 | (options.dup ? 0x08 : 0) | (qos << 1) | (options.retain ? 0x01 : 0);
  for (const b of header) packet[o++] = b;
  topicBytes.copy(packet, o);
  o += topicBytes.length;
  if (qos > 0) {
    packet.writeUInt16BE(options.packetId ?? 1, o);
    o += 2;
  }
  packet.set(payload, o);
  return packet;
}

/** SUBSCRIBE to `filters`, all at `qos`. */
export function subscribePacket(packetId: number, filters: readonly string[], qos: 0 | 1 = 1): Buffer {
  const body = Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), ...filters.map((f) => Buffer.concat([mqttString(f), Buffer.from([qos])]))]);
  return Buffer.concat([Buffer.from([0x82, ...remainingLength(body.length)]), body]);
}

/** PUBACK for a received QoS 1 message. */
export function pubackPacket(packetId: number): Buffer {
  return Buffer.from([0x40, 0x02, packetId >> 8, packetId & 0xff]);
}

export const DISCONNECT_PACKET = Buffer.from([0xe0, 0x00]);

/** One packet read off the wire. */
export interface InboundPacket {
  readonly type: number;
  readonly flags: number;
  readonly body: Buffer;
}

/**
 * Splits a byte stream into packets. Feed it every chunk; it returns the complete packets
 * and keeps the incomplete tail for the next chunk.
 */
export class PacketReader {
  #rx = Buffer.alloc(0);

  push(chunk: Buffer): InboundPacket[] {
    let buf = this.#rx.length ? Buffer.concat([this.#rx, chunk]) : chunk;
    const packets: InboundPacket[] = [];
    for (;;) {
      if (buf.length < 2) break;
      let length = 0;
      let multiplier = 1;
      let i = 1;
      let complete = false;
      for (; i < 5 && i < buf.length; i++) {
        const byte = buf[i]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || buf.length < i + 1 + length) break;
      packets.push({ type: buf[0]! >> 4, flags: buf[0]! & 0x0f, body: buf.subarray(i + 1, i + 1 + length) });
      buf = buf.subarray(i + 1 + length);
    }
    this.#rx = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    return packets;
  }
}

/** Topic, payload and packet id of an inbound PUBLISH. */
export function parsePublish(p: InboundPacket): { topic: string; payload: Buffer; qos: number; retain: boolean; packetId: number | undefined } {
  const topicLength = p.body.readUInt16BE(0);
  const topic = p.body.subarray(2, 2 + topicLength).toString('utf8');
  const qos = (p.flags >> 1) & 0x03;
  let o = 2 + topicLength;
  let packetId: number | undefined;
  if (qos > 0) {
    packetId = p.body.readUInt16BE(o);
    o += 2;
  }
  return { topic, payload: p.body.subarray(o), qos, retain: (p.flags & 0x01) === 1, packetId };
}
