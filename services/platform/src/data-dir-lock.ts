import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@premonitor/log';

/** Who holds a data folder, as its lock file says. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the holder took the lock (ISO 8601). */
  readonly since: string;
  /** Linux boot id: a lock written before a reboot is stale whatever its pid. */
  readonly bootId?: string;
  /** Linux start time of the holder process (clock ticks after boot): tells a reused pid apart. */
  readonly processStart?: string;
  /** Where the holder serves, once it has started. */
  readonly httpUrl?: string;
  readonly mqttUrl?: string;
  /** Random per acquisition: a lock is only ever removed by the one that wrote it. */
  readonly token: string;
}

/** Another live process (or one this host cannot check) holds the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(lockedMessage(dataDir, lockFile, holder));
  }
}

/** Lock file name inside the data folder. */
export const LOCK_FILE = 'premonitor.lock';
/** A takeover guard older than this was left by a process that died mid-takeover. */
const STALE_GUARD_MS = 30_000;
const MAX_ATTEMPTS = 50;
const RETRY_MS = 100;
/** Folders this process holds: a lock naming our own pid is live only if it is in here. */
const heldHere = new Set<string>();

/**
 * Exclusive ownership of an embedded data folder, taken before anything opens it: PGlite has
 * no lock of its own, and two processes writing one folder destroy the database.
 *
 * Node has no flock/fcntl binding (a native addon would need a compiler on the Pi), so the lock
 * is a file created atomically with its content (written aside, then hard-linked into place:
 * `link` fails if the name exists) naming the holder. A holder that is gone — no such pid, a
 * pid reused by another process, a lock from before a reboot — is taken over with a warning,
 * under a second link-created guard so two starters never both take it over. A holder on
 * another host cannot be checked: that start is refused and the message says what to delete.
 * (On a file system without hard links the file is created with O_EXCL instead.)
 */
export class DataDirLock {
  #holder: LockHolder;

  private constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    holder: LockHolder,
  ) {
    this.#holder = holder;
  }

  /** Takes the folder (which must exist) or throws {@link DataDirLockedError}. */
  static async acquire(dataDir: string, logger: Logger): Promise<DataDirLock> {
    const lockFile = join(dataDir, LOCK_FILE);
    const mine: LockHolder = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      ...linuxIdentity(process.pid),
      token: randomBytes(12).toString('hex'),
    };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await createWith(lockFile, mine)) {
        heldHere.add(lockFile);
        return new DataDirLock(dataDir, lockFile, mine);
      }
      const holder = await readHolder(lockFile);
      if (holder === 'missing') continue;
      if (holder === 'unreadable' || holderState(holder, lockFile) !== 'gone') {
        throw new DataDirLockedError(dataDir, lockFile, holder === 'unreadable' ? undefined : holder);
      }
      if (await takeOver(lockFile, holder, mine)) {
        logger.warn(
          { dataDir, previous: { pid: holder.pid, host: holder.host, since: holder.since } },
          'took over the data folder lock of a process that is no longer running (it did not stop cleanly; the database recovers from its log)',
        );
        heldHere.add(lockFile);
        return new DataDirLock(dataDir, lockFile, mine);
      }
      await sleep(RETRY_MS);
    }
    throw new Error(`could not take the lock ${lockFile} after ${MAX_ATTEMPTS} attempts: other processes keep starting on ${dataDir}`);
  }

  /** Who holds the folder: this process. */
  get holder(): LockHolder {
    return this.#holder;
  }

  /** Adds where this process serves, so a refused second start can name it. */
  async update(fields: Pick<LockHolder, 'httpUrl' | 'mqttUrl'>): Promise<void> {
    const next = { ...this.#holder, ...fields };
    const aside = `${this.lockFile}.${next.token}.tmp`;
    await writeFile(aside, JSON.stringify(next), { mode: 0o644 });
    // rename replaces the file atomically: a reader sees the old or the new content, never none.
    await rename(aside, this.lockFile);
    this.#holder = next;
  }

  /** Removes the lock if it is still this process's. Idempotent. */
  async release(): Promise<void> {
    heldHere.delete(this.lockFile);
    const current = await readHolder(this.lockFile);
    if (typeof current === 'object' && current.token === this.#holder.token) await unlink(this.lockFile).catch(ignoreMissing);
  }
}

/** Creates `file` holding `holder` unless it exists; true when created. */
async function createWith(file: string, holder: LockHolder): Promise<boolean> {
  const aside = `${file}.${holder.token}.tmp`;
  await writeFile(aside, JSON.stringify(holder), { mode: 0o644 });
  try {
    await link(aside, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return createExclusive(file, holder);
    throw err;
  } finally {
    await unlink(aside).catch(ignoreMissing);
  }
}

/**
 * For file systems without hard links (FAT on a USB stick): O_EXCL create, then write. A crash
 * between the two leaves an empty lock, which the next start refuses as unreadable, naming it.
 */
async function createExclusive(file: string, holder: LockHolder): Promise<boolean> {
  try {
    await writeFile(file, JSON.stringify(holder), { flag: 'wx', mode: 0o644 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readHolder(file: string): Promise<LockHolder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') return parsed as LockHolder;
  } catch {
    // falls through: not a lock this code wrote
  }
  return 'unreadable';
}

/** `gone` only when this host can prove the holder no longer runs. */
function holderState(holder: LockHolder, lockFile: string): 'alive' | 'gone' | 'unknown' {
  if (holder.host !== hostname()) return 'unknown';
  const here = linuxIdentity(holder.pid);
  if (holder.bootId && here.bootId && holder.bootId !== here.bootId) return 'gone';
  // Our own pid in the file: either this process holds it, or a previous run had our pid
  // (a container restarts as pid 1) and is gone.
  if (holder.pid === process.pid) return heldHere.has(lockFile) ? 'alive' : 'gone';
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    // EPERM: the pid runs under another user; fall through to the identity check.
  }
  if (holder.processStart && here.processStart && holder.processStart !== here.processStart) return 'gone';
  return 'alive';
}

/** Replaces the lock of a gone holder, under a guard so two starters never both do it. */
async function takeOver(lockFile: string, gone: LockHolder, mine: LockHolder): Promise<boolean> {
  const guard = `${lockFile}.takeover`;
  if (!(await createWith(guard, mine))) {
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > STALE_GUARD_MS) await unlink(guard).catch(ignoreMissing);
    return false;
  }
  try {
    const current = await readHolder(lockFile);
    // Someone else replaced it meanwhile: start over and judge the new holder.
    if (typeof current === 'object' && current.token !== gone.token) return false;
    if (current !== 'missing') await unlink(lockFile).catch(ignoreMissing);
    return await createWith(lockFile, mine);
  } finally {
    await unlink(guard).catch(ignoreMissing);
  }
}

function linuxIdentity(pid: number): { bootId?: string; processStart?: string } {
  const identity: { bootId?: string; processStart?: string } = {};
  try {
    identity.bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    identity.processStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    // Not Linux, or the process is gone: the pid check alone decides.
  }
  return identity;
}

function lockedMessage(dataDir: string, lockFile: string, holder: LockHolder | undefined): string {
  if (!holder) {
    return `the data folder ${dataDir} has a lock file this version cannot read (${lockFile}). If no other Premonitor uses the folder, delete that file and start again.`;
  }
  const where = [holder.httpUrl && `HTTP ${holder.httpUrl}`, holder.mqttUrl && `MQTT ${holder.mqttUrl}`].filter(Boolean).join(', ');
  const who = `pid ${holder.pid} on host ${holder.host}, running since ${holder.since}${where ? `, serving ${where}` : ' (still starting)'}`;
  if (holder.host !== hostname()) {
    return (
      `the data folder ${dataDir} is locked by another machine (${who}). Two processes writing one folder destroy its database. ` +
      `If that process has surely stopped, delete ${lockFile}; otherwise give this one its own folder with PM_DATA_DIR.`
    );
  }
  return (
    `the data folder ${dataDir} is in use by another Premonitor (${who}). Two processes writing one folder destroy its database: ` +
    `stop that one first (kill -INT ${holder.pid}), or give this one its own folder with PM_DATA_DIR=<folder>.`
  );
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
