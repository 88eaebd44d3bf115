import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { systemClock, type Clock } from '@premonitor/time';
import type { BrokerLogger } from './broker-metrics.js';

/** A device message as journaled: what the broker needs to publish it again. */
export interface JournalRecord {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 1 | 2;
  readonly retain: boolean;
}

/** Where and how much the journal keeps. */
export interface PublishJournalOptions {
  /** Folder of the segment files, created when missing; one process owns it (the data folder's lock). */
  readonly dir: string;
  /** Bytes on disk above which `append` refuses: the messages it would hold are not acknowledged. */
  readonly maxBytes: number;
  /** A segment is sealed once it reaches this size (and at every checkpoint); default 8 MiB. */
  readonly segmentBytes?: number;
  /** Where a torn or corrupt record found at open is reported. */
  readonly logger: BrokerLogger;
  /** Time of sealing, for giving up on records never routed; default the wall clock. */
  readonly clock?: Clock;
}

/** One segment file: its records, and how far the broker got with them. */
interface Segment {
  readonly id: number;
  bytes: number;
  /** Appended records the broker has not yet routed to the subscribers' sessions. */
  unrouted: number;
  /** When sealed (no more appends), clock ms; undefined for the open segment. */
  sealedAt: number | undefined;
  /** Found at open: left by an earlier run, to be published again. */
  readonly recovered: boolean;
  /** A broker position every record of the segment was routed before; set once `unrouted` is 0. */
  routedBefore: number | undefined;
}

const SUFFIX = '.seg';
/** u32 body length, u32 CRC-32 of the body. */
const HEADER_BYTES = 8;
const RETAIN_FLAG = 0b100;

/**
 * The embedded broker's write-ahead journal of device messages: each one is written, with a
 * synchronous write, before the broker acknowledges it, so a process that dies (SIGKILL, OOM,
 * a crash) leaves it in the OS page cache and the next start publishes it again. No fsync: a
 * power cut can lose what the kernel has not written back yet (30 s by default), as it can
 * PGlite's own commits (which never fsync).
 *
 * The journal is a folder of numbered segment files. Appends go to the open segment; a
 * checkpoint seals it, and a sealed segment is deleted once every record in it was routed
 * (the broker reports each one, `routed`) and then acknowledged by the subscriber that stores
 * it (`checkpoint`'s `oldestUnstored`). A record is `[u32 length][u32 crc32][flags u8,
 * topic length u16, topic, payload]`; a torn tail (a crash mid-write) fails its length or CRC
 * and is skipped with a warning.
 */
export class PublishJournal {
  readonly #options: PublishJournalOptions;
  readonly #segmentBytes: number;
  readonly #clock: Clock;
  readonly #segments = new Map<number, Segment>();
  #open: Segment | undefined;
  #fd: number | undefined;
  #nextId: number;
  #bytes = 0;

  private constructor(options: PublishJournalOptions, recovered: readonly Segment[]) {
    this.#options = options;
    this.#segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.#clock = options.clock ?? systemClock;
    for (const segment of recovered) {
      this.#segments.set(segment.id, segment);
      this.#bytes += segment.bytes;
    }
    this.#nextId = Math.max(0, ...recovered.map((s) => s.id)) + 1;
  }

  /** Opens the folder; the segments found there are sealed, waiting for `recovered()` and a checkpoint. */
  static open(options: PublishJournalOptions): PublishJournal {
    mkdirSync(options.dir, { recursive: true });
    const recovered = readdirSync(options.dir)
      .filter((name) => /^\d+\.seg$/.test(name))
      .map((name) => Number(name.slice(0, -SUFFIX.length)))
      .sort((a, b) => a - b)
      .map((id): Segment => ({ id, bytes: statSync(segmentPath(options.dir, id)).size, unrouted: 0, sealedAt: (options.clock ?? systemClock).now(), routedBefore: undefined, recovered: true }));
    return new PublishJournal(options, recovered);
  }

  /** Bytes the journal holds on disk. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The segments found at open, oldest first, each read as its records (a torn or corrupt rest skipped, with a warning). */
  *recovered(): Generator<{ readonly segment: number; readonly records: readonly JournalRecord[] }> {
    for (const segment of [...this.#segments.values()].filter((s) => s.recovered)) {
      yield { segment: segment.id, records: this.#read(segment.id) };
    }
  }

  /**
   * Writes `record` (synchronously: it is in the OS's hands when this returns) and returns
   * its segment, or undefined — nothing written — when the journal holds `maxBytes` already.
   */
  append(record: JournalRecord): number | undefined {
    const bytes = encode(record);
    if (this.#bytes + bytes.length > this.#options.maxBytes) return undefined;
    const segment = this.#open ?? this.#startSegment();
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(this.#fd!, bytes, written);
    } catch (err) {
      // A partial record must stay the segment's last (torn tail), or the reader would lose what follows it.
      this.seal();
      throw err;
    }
    segment.bytes += bytes.length;
    segment.unrouted++;
    this.#bytes += bytes.length;
    if (segment.bytes >= this.#segmentBytes) this.seal();
    return segment.id;
  }

  /** The broker routed a record of `segment` to its subscribers' sessions. */
  routed(segment: number): void {
    const s = this.#segments.get(segment);
    if (s) s.unrouted--;
  }

  /**
   * Seals the open segment when no sealed one is still waiting (while the subscriber lags, the
   * open one grows to `segmentBytes` rather than a file per checkpoint), and deletes the sealed
   * ones whose records are all stored; returns how many it deleted. A sealed segment is marked with the broker position `position()` once
   * its records are all routed (or `givenUpAfterMs` after sealing: a record whose
   * acknowledgement could not be sent is never routed), and deleted once `oldestUnstored()` —
   * the lowest position the storing subscriber has not acknowledged, read after the mark — is
   * above it: everything routed before the mark was in that subscriber's queue, and is gone
   * from it. Appends may go on meanwhile (into a new segment).
   */
  async checkpoint(position: () => number, oldestUnstored: () => Promise<number>, givenUpAfterMs: number): Promise<number> {
    if ([...this.#segments.values()].every((s) => s === this.#open)) this.seal();
    const now = this.#clock.now();
    for (const segment of this.#segments.values()) {
      if (segment.sealedAt === undefined || segment.routedBefore !== undefined) continue;
      if (segment.unrouted <= 0 || now - segment.sealedAt >= givenUpAfterMs) segment.routedBefore = position();
    }
    const marked = [...this.#segments.values()].filter((s) => s.routedBefore !== undefined);
    if (marked.length === 0) return 0;
    const oldest = await oldestUnstored();
    let released = 0;
    for (const segment of marked) {
      if (segment.routedBefore! >= oldest || !this.#segments.has(segment.id)) continue;
      unlinkSync(segmentPath(this.#options.dir, segment.id));
      this.#segments.delete(segment.id);
      this.#bytes -= segment.bytes;
      released++;
    }
    return released;
  }

  /** Closes the open segment's file; what is not released stays for the next start. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#open = undefined;
  }

  #startSegment(): Segment {
    const segment: Segment = { id: this.#nextId++, bytes: 0, unrouted: 0, sealedAt: undefined, routedBefore: undefined, recovered: false };
    this.#fd = openSync(segmentPath(this.#options.dir, segment.id), 'a');
    this.#segments.set(segment.id, segment);
    return (this.#open = segment);
  }

  /** Seals the open segment (if it holds anything): the next append starts a new one. */
  seal(): void {
    if (!this.#open || this.#open.bytes === 0) return;
    this.#open.sealedAt = this.#clock.now();
    this.close();
  }

  #read(id: number): JournalRecord[] {
    const file = segmentPath(this.#options.dir, id);
    const data = readFileSync(file);
    const records: JournalRecord[] = [];
    let offset = 0;
    while (offset < data.length) {
      const record = decodeAt(data, offset);
      if (!record) {
        // A crash mid-write leaves a torn last record; that message was never acknowledged.
        // Anything else after it cannot be framed again (the length is not trusted).
        this.#options.logger.warn({ file, offset, skippedBytes: data.length - offset }, 'MQTT journal: torn or corrupt record skipped with the rest of its segment (a crash mid-write leaves one; elsewhere it is damage)');
        break;
      }
      records.push(record.record);
      offset = record.next;
    }
    return records;
  }
}

function segmentPath(dir: string, id: number): string {
  return join(dir, `${String(id).padStart(12, '0')}${SUFFIX}`);
}

function encode(record: JournalRecord): Buffer {
  const topic = Buffer.from(record.topic, 'utf8');
  const bodyBytes = 3 + topic.length + record.payload.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes);
  out.writeUInt32LE(bodyBytes, 0);
  out.writeUInt8(record.qos | (record.retain ? RETAIN_FLAG : 0), HEADER_BYTES);
  out.writeUInt16LE(topic.length, HEADER_BYTES + 1);
  topic.copy(out, HEADER_BYTES + 3);
  record.payload.copy(out, HEADER_BYTES + 3 + topic.length);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 4);
  return out;
}

function decodeAt(data: Buffer, offset: number): { readonly record: JournalRecord; readonly next: number } | undefined {
  if (data.length - offset < HEADER_BYTES) return undefined;
  const bodyBytes = data.readUInt32LE(offset);
  const start = offset + HEADER_BYTES;
  if (bodyBytes < 3 || start + bodyBytes > data.length) return undefined;
  const body = data.subarray(start, start + bodyBytes);
  if (crc32(body) !== data.readUInt32LE(offset + 4)) return undefined;
  const flags = body.readUInt8(0);
  const qos = flags & 0b11;
  const topicBytes = body.readUInt16LE(1);
  if ((qos !== 1 && qos !== 2) || 3 + topicBytes > bodyBytes) return undefined;
  return {
    record: { qos, retain: (flags & RETAIN_FLAG) !== 0, topic: body.toString('utf8', 3, 3 + topicBytes), payload: Buffer.from(body.subarray(3 + topicBytes)) },
    next: start + bodyBytes,
  };
}
