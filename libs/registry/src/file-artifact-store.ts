import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isSha256, sha256Hex, type ArtifactStore, type StoredArtifact } from './artifact-store.js';
import { ArtifactIntegrityError, ArtifactNotFoundError } from './registry-errors.js';

/**
 * Model files in a folder, addressed by hash: `dir/ab/abcdef….onnx` (the two-character
 * fan-out keeps directories small). Writes go to a temporary file in the same folder and
 * are renamed into place, so a crash never leaves a half-written artifact under a valid
 * address and concurrent writers of the same bytes are harmless.
 */
export class FileArtifactStore implements ArtifactStore {
  /** Absolute root folder. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Hex(bytes);
    const stored: StoredArtifact = { sha256, size: bytes.byteLength };
    if (await this.has(sha256)) return stored;
    const path = this.#path(sha256);
    await mkdir(join(path, '..'), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return stored;
  }

  async get(sha256: string): Promise<Uint8Array> {
    if (!isSha256(sha256)) throw new ArtifactNotFoundError(sha256);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.#path(sha256)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactNotFoundError(sha256);
      throw err;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new ArtifactIntegrityError(sha256, actual);
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    if (!isSha256(sha256)) return false;
    try {
      return (await stat(this.#path(sha256))).isFile();
    } catch {
      return false;
    }
  }

  #path(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.onnx`);
  }
}
