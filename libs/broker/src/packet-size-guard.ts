import type { Socket } from 'node:net';

/** Why a connection was cut: the size its next packet declared, or a length no MQTT packet can have. */
export type PacketRefusal =
  | { readonly reason: 'too-large'; readonly declaredBytes: number; readonly limitBytes: number; readonly firstPacket: boolean }
  | { readonly reason: 'malformed' };

/**
 * Follows MQTT packet boundaries in the bytes a client sends and reports the first packet
 * whose declared size is above the limit — as soon as its fixed header arrives, before the
 * body is read. Aedes (through mqtt-packet) has no size limit and buffers a packet whole
 * before parsing it, so a 32 MiB PUBLISH would otherwise cost 32 MiB per connection.
 *
 * The first packet (CONNECT) has its own, smaller limit; later ones the current `limit`,
 * which the broker narrows once it knows who logged in.
 */
export class PacketSizeGuard {
  /** Limit for every packet after the first. */
  limit: number;
  readonly #firstLimit: number;
  #packets = 0;
  /** Body bytes of the current packet still to skip. */
  #skip = 0;
  /** Inside a fixed header: the type byte was seen, the remaining length is being read. */
  #inHeader = false;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;

  constructor(firstPacketLimit: number, limit: number) {
    this.#firstLimit = firstPacketLimit;
    this.limit = limit;
  }

  /** Feeds the next bytes of the stream; returns a refusal for the first packet that may not be read. */
  inspect(chunk: Uint8Array): PacketRefusal | undefined {
    // Locals in the loop, fields only at the end: this runs on every byte chunk the broker reads.
    let skip = this.#skip;
    let inHeader = this.#inHeader;
    let length = this.#length;
    let multiplier = this.#multiplier;
    let lengthBytes = this.#lengthBytes;
    let refusal: PacketRefusal | undefined;
    let i = 0;
    const end = chunk.length;
    while (i < end) {
      if (skip > 0) {
        const n = skip < end - i ? skip : end - i;
        skip -= n;
        i += n;
        continue;
      }
      if (!inHeader) {
        inHeader = true;
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
        i++;
        continue;
      }
      const byte = chunk[i++]!;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes++;
      if (byte & 0x80) {
        // MQTT's remaining length is at most four bytes (268 435 455).
        if (lengthBytes === 4) {
          refusal = { reason: 'malformed' };
          break;
        }
        continue;
      }
      inHeader = false;
      const firstPacket = this.#packets++ === 0;
      const limitBytes = firstPacket ? this.#firstLimit : this.limit;
      const declaredBytes = 1 + lengthBytes + length;
      if (declaredBytes > limitBytes) {
        refusal = { reason: 'too-large', declaredBytes, limitBytes, firstPacket };
        break;
      }
      skip = length;
    }
    this.#skip = skip;
    this.#inHeader = inHeader;
    this.#length = length;
    this.#multiplier = multiplier;
    this.#lengthBytes = lengthBytes;
    return refusal;
  }
}

/**
 * Puts `guard` in front of everything read from `socket`: a chunk that starts a packet above
 * the limit is never handed on, and the socket is destroyed. Aedes reads its connection with
 * `read()` ('readable' events), as does a stream in flowing mode, so every byte passes here
 * exactly once. The broker's tests send oversized packets to prove it still does.
 */
export function guardSocket(socket: Socket, guard: PacketSizeGuard, onRefused: (refusal: PacketRefusal) => void): void {
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk: unknown = read(size);
    if (chunk instanceof Uint8Array) {
      const refusal = guard.inspect(chunk);
      if (refusal) {
        onRefused(refusal);
        socket.destroy();
        return null;
      }
    }
    return chunk;
  };
}
