import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSigningKey, signingKeyFromPem, signingKeyToPem, type SigningKey } from '@premonitor/contracts/signing';
import type { Logger } from '@premonitor/log';

/** A key file that cannot be used; the message names the file, never its content. */
export class SigningKeyFileError extends Error {
  override readonly name = 'SigningKeyFileError';
}

/**
 * Reads an Ed25519 private key (PKCS#8 PEM) from `path`; warns when every user may read the
 * file (group-readable is allowed: Kubernetes mounts secrets as root:fsGroup).
 */
export async function readSigningKeyFile(path: string, logger?: Pick<Logger, 'warn'>): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SigningKeyFileError(missing ? `no model signing key at ${path}; create one with \`model-sync keygen --out ${path}\`` : `cannot read the model signing key ${path}: ${(cause as Error).message}`, { cause });
  }
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o007) !== 0) logger?.warn({ path, mode: `0${mode.toString(8)}` }, 'the model signing key file is readable by every user; chmod 600 it');
  try {
    return signingKeyFromPem(pem);
  } catch (cause) {
    throw new SigningKeyFileError(`${path}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Writes a new key to `path` (mode 0600) unless a file is already there. The key is written to a
 * temporary file and hard-linked into place, so two processes racing to create it end with one
 * key, and a crash never leaves a half-written key under the real name. Resolves with the key in
 * the file and whether this call created it.
 */
export async function createSigningKeyFile(path: string): Promise<{ key: SigningKey; created: boolean }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateSigningKey();
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, signingKeyToPem(key), { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
    return { key, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: await readSigningKeyFile(path), created: false };
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** The key at `path`, created there first when missing (embedded mode's first start). */
export async function loadOrCreateSigningKeyFile(path: string, logger: Pick<Logger, 'info' | 'warn'>): Promise<SigningKey> {
  try {
    return await readSigningKeyFile(path, logger);
  } catch (err) {
    if (!(err instanceof SigningKeyFileError) || !(await missing(path))) throw err;
  }
  const { key, created } = await createSigningKeyFile(path);
  if (created) logger.info({ path, keyId: key.keyId }, 'created the model signing key');
  return key;
}

async function missing(path: string): Promise<boolean> {
  try {
    await stat(path);
    return false;
  } catch {
    return true;
  }
}
