import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PasswordHashFormatError } from './broker-errors.js';

/** scrypt cost parameters; stored with every hash so they can be raised without breaking old ones. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation. */
  readonly p: number;
}

/** OWASP's scrypt floor (2^14, 8, 1): ~16 MiB and tens of ms per check, paid once per MQTT connect. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 16_384, r: 8, p: 1 });

const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string | Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // Node refuses scrypt above maxmem (32 MiB default); give room for raised N·r.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password with a fresh random salt as `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Splits an encoded hash; throws PasswordHashFormatError when it is not one of ours. */
export function parsePasswordHash(encoded: string): ParsedHash {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new PasswordHashFormatError('expected 6 $-separated fields starting with scrypt');
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || (N & (N - 1)) !== 0) {
    throw new PasswordHashFormatError('N, r and p must be positive integers and N a power of two');
  }
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length === 0 || key.length === 0) throw new PasswordHashFormatError('empty salt or hash');
  return { params: { N, r, p }, salt, key };
}

/** True when `password` matches `encoded`; compared in constant time. */
export async function verifyPassword(password: string | Buffer, encoded: string): Promise<boolean> {
  const { params, salt, key } = parsePasswordHash(encoded);
  const candidate = await derive(password, salt, params);
  return candidate.length === key.length && timingSafeEqual(candidate, key);
}
