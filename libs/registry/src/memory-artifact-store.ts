import { sha256Hex, type ArtifactStore, type StoredArtifact } from './artifact-store.js';
import { ArtifactIntegrityError, ArtifactNotFoundError } from './registry-errors.js';

/** Artifacts in a Map, for tests and benchmarks that need no files. Same contract as the folder store. */
export class MemoryArtifactStore implements ArtifactStore {
  readonly #items = new Map<string, Uint8Array>();

  async put(bytes: Uint8Array): Promise<StoredArtifact> {
    const sha256 = sha256Hex(bytes);
    // A copy, so a caller reusing its buffer cannot change what is stored.
    if (!this.#items.has(sha256)) this.#items.set(sha256, Uint8Array.from(bytes));
    return { sha256, size: bytes.byteLength };
  }

  async get(sha256: string): Promise<Uint8Array> {
    const bytes = this.#items.get(sha256);
    if (!bytes) throw new ArtifactNotFoundError(sha256);
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new ArtifactIntegrityError(sha256, actual);
    return Uint8Array.from(bytes);
  }

  async has(sha256: string): Promise<boolean> {
    return this.#items.has(sha256);
  }

  /** Test hook: replaces stored bytes without changing their address, to simulate corruption. */
  corrupt(sha256: string, bytes: Uint8Array): void {
    this.#items.set(sha256, bytes);
  }
}
