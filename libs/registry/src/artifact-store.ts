import { createHash } from 'node:crypto';

/** Address and size of a stored artifact. */
export interface StoredArtifact {
  /** Lower-case hex sha256 of the bytes: the artifact's address. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * Content-addressed storage of model files. Embedded mode keeps them in a folder
 * (`FileArtifactStore`); distributed mode can point that folder at a shared volume, and an
 * object-store adapter (S3, MinIO) only has to implement these three methods.
 */
export interface ArtifactStore {
  /** Stores the bytes (a no-op when the same bytes are already there). */
  put(bytes: Uint8Array): Promise<StoredArtifact>;
  /**
   * The bytes stored under `sha256`, verified against it. Throws `ArtifactNotFoundError`
   * when absent and `ArtifactIntegrityError` when the stored bytes no longer match.
   */
  get(sha256: string): Promise<Uint8Array>;
  /** True when an artifact with this address is stored. */
  has(sha256: string): Promise<boolean>;
}

/** Hex sha256 of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** True for a lower-case hex sha256; anything else must never reach a file path. */
export function isSha256(value: string): boolean {
  return SHA256_PATTERN.test(value);
}
