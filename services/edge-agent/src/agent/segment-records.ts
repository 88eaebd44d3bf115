import { crc32 } from 'node:zlib';
import { open } from 'node:fs/promises';

/**
 * On-disk framing of one queue record:
 * `[u32 body length][u32 crc32(body)][body]`, body = `[f64 enqueue ts][u8 kind][payload]`,
 * little-endian. The length and checksum let a reader tell a complete record from the torn
 * tail a power cut leaves behind.
 */
export const RECORD_HEADER_BYTES = 8;
const BODY_PREFIX_BYTES = 9;
/** Largest body accepted when scanning: anything bigger is treated as corruption. */
export const MAX_RECORD_BODY_BYTES = 2 * 1024 * 1024;

/** A record as stored: when it was queued, a small kind code, and opaque bytes. */
export interface QueueRecord {
  readonly ts: number;
  readonly kind: number;
  readonly payload: Uint8Array;
}

/** Outcome of scanning a segment file; counts only, so memory does not grow with the queue. */
export interface SegmentScan {
  /** Intact records. */
  readonly count: number;
  /** Bytes up to the end of the last intact record. */
  readonly validBytes: number;
  readonly fileBytes: number;
  /** Intact records that end at or before `commitOffset`. */
  readonly committed: number;
  /** End of the last intact record at or before `commitOffset`: a pointer into a torn or odd place snaps back (replaying, never skipping). */
  readonly commitBoundary: number;
}

/** Encodes one record, header included. */
export function encodeRecord(record: QueueRecord): Buffer {
  const body = Buffer.allocUnsafe(BODY_PREFIX_BYTES + record.payload.byteLength);
  body.writeDoubleLE(record.ts, 0);
  body.writeUInt8(record.kind, 8);
  body.set(record.payload, BODY_PREFIX_BYTES);
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32LE(body.byteLength, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

/** Decodes a record body whose checksum was verified. */
export function decodeBody(body: Buffer): QueueRecord {
  return { ts: body.readDoubleLE(0), kind: body.readUInt8(8), payload: new Uint8Array(body.subarray(BODY_PREFIX_BYTES)) };
}

/** Checks a header + body pair; undefined when the record is torn or corrupt. */
export function verifyBody(header: Buffer, body: Buffer): boolean {
  return body.byteLength === header.readUInt32LE(0) && crc32(body) === header.readUInt32LE(4);
}

/**
 * Reads a segment from the start and counts every intact record up to the first torn or
 * corrupt one. Reads one record at a time, so memory stays bounded by the largest record.
 */
export async function scanSegment(path: string, commitOffset = 0): Promise<SegmentScan> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    let offset = 0;
    let count = 0;
    let committed = 0;
    let commitBoundary = 0;
    while (offset + RECORD_HEADER_BYTES <= fileBytes) {
      await handle.read(header, 0, RECORD_HEADER_BYTES, offset);
      const length = header.readUInt32LE(0);
      if (length < BODY_PREFIX_BYTES || length > MAX_RECORD_BODY_BYTES || offset + RECORD_HEADER_BYTES + length > fileBytes) break;
      const body = Buffer.alloc(length);
      await handle.read(body, 0, length, offset + RECORD_HEADER_BYTES);
      if (!verifyBody(header, body)) break;
      offset += RECORD_HEADER_BYTES + length;
      count++;
      if (offset <= commitOffset) {
        committed++;
        commitBoundary = offset;
      }
    }
    return { count, validBytes: offset, fileBytes, committed, commitBoundary };
  } finally {
    await handle.close();
  }
}
