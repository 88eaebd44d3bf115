import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@premonitor/log';
import { after, type Clock } from '@premonitor/time';
import { writeFileAtomic, syncDirectory } from './atomic-file.js';
import { QueueStorageError, RecordTooLargeError } from './queue-errors.js';
import { decodeBody, encodeRecord, RECORD_HEADER_BYTES, scanSegment, verifyBody, type QueueRecord } from './segment-records.js';

/** When appended records are forced to stable storage. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Options of {@link DiskQueue}. */
export interface DiskQueueOptions {
  /** Folder of segment files and the commit pointer; created if missing. */
  readonly dir: string;
  /** Most bytes on disk; beyond it the oldest segment is evicted (its records counted as dropped). */
  readonly maxBytes: number;
  /** Records older than this are dropped (counted) instead of replayed; 0 = no age limit. */
  readonly maxAgeMs: number;
  /** Size at which a segment is closed and a new one started. Default min(maxBytes / 8, 8 MiB). */
  readonly segmentBytes?: number;
  /** `always`: fsync every append (no loss on power cut); `interval`: every `fsyncIntervalMs`; `never`: the OS decides. */
  readonly fsync: FsyncPolicy;
  /** Default 1 000 ms. */
  readonly fsyncIntervalMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A record read from the queue, with the position that {@link DiskQueue.commit} takes. */
export interface QueueEntry extends QueueRecord {
  readonly segment: number;
  readonly end: number;
}

/** Counters of the queue. */
export interface DiskQueueStats {
  /** Records waiting to be replayed. */
  readonly depth: number;
  readonly bytes: number;
  /** Records evicted by the size or age limit since the queue was created (persisted). */
  readonly dropped: number;
  /** Torn or corrupt tails cut off when the queue was opened. */
  readonly repaired: number;
}

interface Segment {
  readonly index: number;
  size: number;
  count: number;
}

interface Pointer {
  segment: number;
  offset: number;
  dropped: number;
}

const CURSOR_FILE = 'cursor.json';
const segmentName = (index: number) => `${String(index).padStart(10, '0')}.seg`;

/**
 * A disk-backed FIFO that survives restarts and power cuts: append-only segment files of
 * length+CRC32-framed records, and a commit pointer (segment, offset) replaced atomically.
 * Opening scans every segment, cuts a torn or corrupt tail at the last intact record, and
 * resumes after the commit pointer. Memory holds three numbers per segment, never records.
 *
 * Delivery is at least once: records between the persisted pointer and what was really
 * delivered are replayed after a crash; the core deduplicates by device and sequence number.
 */
export class DiskQueue {
  readonly #o: DiskQueueOptions;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  #commit: Pointer = { segment: 0, offset: 0, dropped: 0 };
  #read = { segment: 0, offset: 0 };
  #writer: FileHandle | undefined;
  #depth = 0;
  #bytes = 0;
  #repaired = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #dirty = false;
  #cursorDirty = false;
  #cancelSync: () => void = () => {};
  #closed = false;

  private constructor(options: DiskQueueOptions) {
    this.#o = options;
    this.#segmentBytes = Math.max(4096, options.segmentBytes ?? Math.min(Math.floor(options.maxBytes / 8), 8 * 1024 * 1024));
  }

  /** Opens (or creates) the queue in `options.dir`, repairing a torn tail. */
  static async open(options: DiskQueueOptions): Promise<DiskQueue> {
    const queue = new DiskQueue(options);
    try {
      await queue.#recover();
    } catch (cause) {
      throw new QueueStorageError(`cannot open the queue in ${options.dir}: ${(cause as Error).message}`, { cause });
    }
    queue.#scheduleSync();
    return queue;
  }

  /** Appends one record; resolves once written (and fsynced under the `always` policy). */
  append(kind: number, payload: Uint8Array, ts = this.#o.clock.now()): Promise<void> {
    const bytes = encodeRecord({ ts, kind, payload });
    // Half the budget at most, so one record can never evict the whole queue.
    if (bytes.byteLength > this.#o.maxBytes / 2) return Promise.reject(new RecordTooLargeError(bytes.byteLength, Math.floor(this.#o.maxBytes / 2)));
    return this.#serial(async () => {
      if (this.#closed) throw new QueueStorageError('the queue is closed');
      while (this.#bytes + bytes.byteLength > this.#o.maxBytes && this.#segments.length > 0) await this.#evictHead();
      let tail = this.#segments.at(-1);
      if (!tail || !this.#writer || tail.size >= this.#segmentBytes) tail = await this.#rotate();
      await this.#writer!.write(bytes, 0, bytes.byteLength, tail.size);
      if (this.#o.fsync === 'always') await this.#writer!.datasync();
      else this.#dirty = true;
      tail.size += bytes.byteLength;
      tail.count++;
      this.#bytes += bytes.byteLength;
      this.#depth++;
    });
  }

  /**
   * Up to `max` records after the read position (which then moves past them). Records stay
   * in the queue until committed; {@link rewind} goes back to the commit pointer.
   */
  read(max: number): Promise<QueueEntry[]> {
    return this.#serial(async () => {
      await this.#expire();
      const out: QueueEntry[] = [];
      while (out.length < max) {
        const segment = this.#segments.find((s) => s.index >= this.#read.segment && (s.index > this.#read.segment || this.#read.offset < s.size));
        if (!segment) break;
        if (segment.index !== this.#read.segment) this.#read = { segment: segment.index, offset: 0 };
        out.push(...(await this.#readFrom(segment, max - out.length)));
      }
      return out;
    });
  }

  /** Marks everything up to and including `entry` as delivered; stale or repeated commits are ignored. */
  commit(entry: Pick<QueueEntry, 'segment' | 'end'>): void {
    const c = this.#commit;
    if (entry.segment < c.segment || (entry.segment === c.segment && entry.end <= c.offset)) return;
    // Commits arrive in order one record at a time, so each one that advances delivers one record.
    this.#commit = { ...c, segment: entry.segment, offset: entry.end };
    this.#depth = Math.max(0, this.#depth - 1);
    this.#cursorDirty = true;
    void this.#serial(() => this.#removeDelivered());
  }

  /** Moves the read position back to the commit pointer (after a lost connection). */
  rewind(): void {
    this.#read = { segment: this.#commit.segment, offset: this.#commit.offset };
  }

  stats(): DiskQueueStats {
    return { depth: this.#depth, bytes: this.#bytes, dropped: this.#commit.dropped, repaired: this.#repaired };
  }

  /** Flushes data and the commit pointer and closes the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#cancelSync();
    await this.#serial(async () => {
      this.#closed = true;
      await this.#sync();
      await this.#writer?.close();
      this.#writer = undefined;
    });
  }

  async #recover(): Promise<void> {
    const { dir } = this.#o;
    await mkdir(dir, { recursive: true });
    try {
      const saved = JSON.parse(await readFile(join(dir, CURSOR_FILE), 'utf8')) as Partial<Pointer>;
      this.#commit = { segment: saved.segment ?? 0, offset: saved.offset ?? 0, dropped: saved.dropped ?? 0 };
    } catch {
      // No pointer (first start) or an unreadable one: replaying everything is the safe side.
    }
    const names = (await readdir(dir)).filter((n) => /^\d{10}\.seg$/.test(n)).sort();
    for (const name of names) {
      const index = Number(name.slice(0, 10));
      const path = join(dir, name);
      if (index < this.#commit.segment) {
        await rm(path, { force: true });
        continue;
      }
      const scan = await scanSegment(path, index === this.#commit.segment ? this.#commit.offset : 0);
      if (scan.validBytes < scan.fileBytes) {
        this.#repaired++;
        this.#o.logger.warn({ segment: name, kept: scan.validBytes, cut: scan.fileBytes - scan.validBytes }, 'queue segment had a torn or corrupt tail; cut at the last intact record');
        const handle = await open(path, 'r+');
        await handle.truncate(scan.validBytes);
        await handle.sync();
        await handle.close();
      }
      if (index === this.#commit.segment) {
        this.#commit.offset = scan.commitBoundary;
        this.#depth += scan.count - scan.committed;
      } else this.#depth += scan.count;
      this.#segments.push({ index, size: scan.validBytes, count: scan.count });
      this.#bytes += scan.validBytes;
    }
    const first = this.#segments[0];
    if (first && first.index > this.#commit.segment) this.#commit = { ...this.#commit, segment: first.index, offset: 0 };
    this.rewind();
    // Appends always go to a fresh segment: the last one may end in a repaired tail.
    await this.#rotate();
  }

  async #rotate(): Promise<Segment> {
    await this.#writer?.datasync();
    await this.#writer?.close();
    const index = (this.#segments.at(-1)?.index ?? this.#commit.segment) + 1;
    this.#writer = await open(join(this.#o.dir, segmentName(index)), 'w+');
    await syncDirectory(this.#o.dir);
    const segment: Segment = { index, size: 0, count: 0 };
    this.#segments.push(segment);
    return segment;
  }

  async #readFrom(segment: Segment, max: number): Promise<QueueEntry[]> {
    const handle = segment.index === this.#segments.at(-1)?.index && this.#writer ? undefined : await open(join(this.#o.dir, segmentName(segment.index)), 'r');
    const file = handle ?? this.#writer!;
    const out: QueueEntry[] = [];
    try {
      const header = Buffer.alloc(RECORD_HEADER_BYTES);
      while (out.length < max && this.#read.offset < segment.size) {
        const at = this.#read.offset;
        await file.read(header, 0, RECORD_HEADER_BYTES, at);
        const body = Buffer.alloc(header.readUInt32LE(0));
        await file.read(body, 0, body.byteLength, at + RECORD_HEADER_BYTES);
        if (!verifyBody(header, body)) throw new QueueStorageError(`queue segment ${segmentName(segment.index)} changed under the agent at offset ${at}`);
        const end = at + RECORD_HEADER_BYTES + body.byteLength;
        out.push({ ...decodeBody(body), segment: segment.index, end });
        this.#read.offset = end;
      }
    } finally {
      await handle?.close();
    }
    return out;
  }

  /** Drops records older than the age limit from the head, counting them. */
  async #expire(): Promise<void> {
    if (this.#o.maxAgeMs <= 0) return;
    const oldest = this.#o.clock.now() - this.#o.maxAgeMs;
    const saved = this.#read;
    this.#read = { segment: this.#commit.segment, offset: this.#commit.offset };
    let expired = 0;
    for (;;) {
      const segment = this.#segments.find((s) => s.index >= this.#read.segment && (s.index > this.#read.segment || this.#read.offset < s.size));
      if (!segment) break;
      if (segment.index !== this.#read.segment) this.#read = { segment: segment.index, offset: 0 };
      const [entry] = await this.#readFrom(segment, 1);
      if (!entry || entry.ts >= oldest) break;
      this.#commit = { ...this.#commit, segment: entry.segment, offset: entry.end, dropped: this.#commit.dropped + 1 };
      this.#depth--;
      expired++;
    }
    this.#read = isAfter(saved, this.#commit) ? saved : { segment: this.#commit.segment, offset: this.#commit.offset };
    if (expired > 0) {
      this.#cursorDirty = true;
      this.#o.logger.warn({ expired, maxAgeMs: this.#o.maxAgeMs }, 'queued records older than the age limit dropped');
      await this.#removeDelivered();
    }
  }

  /** Deletes the oldest segment to make room; its undelivered records count as dropped. */
  async #evictHead(): Promise<void> {
    const head = this.#segments[0]!;
    if (head.index === this.#segments.at(-1)!.index) await this.#rotate();
    const committed = head.index === this.#commit.segment ? await this.#countUpTo(head, this.#commit.offset) : head.index < this.#commit.segment ? head.count : 0;
    const lost = head.count - committed;
    this.#commit = { segment: head.index + 1, offset: 0, dropped: this.#commit.dropped + lost };
    this.#depth -= lost;
    if (!isAfter(this.#read, this.#commit)) this.#read = { segment: this.#commit.segment, offset: 0 };
    this.#cursorDirty = true;
    if (lost > 0) this.#o.logger.warn({ lost, maxBytes: this.#o.maxBytes }, 'queue full: oldest records dropped');
    await this.#removeDelivered();
    await this.#writeCursor();
  }

  async #countUpTo(segment: Segment, offset: number): Promise<number> {
    return (await scanSegment(join(this.#o.dir, segmentName(segment.index)), offset)).committed;
  }

  /** Deletes segments that are entirely before the commit pointer (never the one being written). */
  async #removeDelivered(): Promise<void> {
    while (this.#segments.length > 1) {
      const head = this.#segments[0]!;
      const done = head.index < this.#commit.segment || (head.index === this.#commit.segment && this.#commit.offset >= head.size);
      if (!done) break;
      if (head.index === this.#commit.segment) this.#commit = { ...this.#commit, segment: this.#segments[1]!.index, offset: 0 };
      // The pointer must move past the segment before the file goes, or a crash in between would rewind into a hole.
      await this.#writeCursor();
      this.#segments.shift();
      this.#bytes -= head.size;
      await rm(join(this.#o.dir, segmentName(head.index)), { force: true });
    }
  }

  async #writeCursor(): Promise<void> {
    this.#cursorDirty = false;
    await writeFileAtomic(join(this.#o.dir, CURSOR_FILE), JSON.stringify(this.#commit));
  }

  async #sync(): Promise<void> {
    if (this.#dirty && this.#writer) {
      this.#dirty = false;
      await this.#writer.datasync();
    }
    if (this.#cursorDirty) await this.#writeCursor();
  }

  #scheduleSync(): void {
    const every = this.#o.fsyncIntervalMs ?? 1_000;
    const tick = () => {
      if (this.#closed) return;
      void this.#serial(() => this.#sync()).catch((err: unknown) => this.#o.logger.error({ err: String(err) }, 'queue sync failed'));
      this.#cancelSync = after(this.#o.clock, every, tick);
    };
    this.#cancelSync = after(this.#o.clock, every, tick);
  }

  /** Runs file operations one at a time: appends, reads and pointer updates never interleave. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}

function isAfter(a: { segment: number; offset: number }, b: { segment: number; offset: number }): boolean {
  return a.segment > b.segment || (a.segment === b.segment && a.offset >= b.offset);
}
