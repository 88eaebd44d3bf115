import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A key the core signs model announcements with. The private half never leaves the core. */
export interface SigningKey {
  /** First 16 hex digits of the sha256 of the raw public key: names the key in announcements. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A public key an agent accepts announcements from. */
export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
}

/** Thrown for key material that is not an Ed25519 key in a form this module reads. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** A new Ed25519 key pair. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** The private key as PKCS#8 PEM, for a key file (mode 0600) or a secret store. */
export function signingKeyToPem(key: SigningKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Reads a PKCS#8 PEM Ed25519 private key. The message never contains the key. */
export function signingKeyFromPem(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new SigningKeyError('the model signing key is not a readable PEM private key (expected PKCS#8 Ed25519, as `model-sync keygen` writes)', { cause });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`the model signing key is a ${privateKey.asymmetricKeyType} key; an Ed25519 key is needed`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** The public key as the agents are configured with it: base64 of the raw 32 bytes. */
export function publicKeyText(key: Pick<SigningKey, 'publicKey'>): string {
  return rawPublicKey(key.publicKey).toString('base64');
}

/**
 * Public keys from configuration: base64 raw 32-byte keys (what `publicKeyText` prints) separated
 * by commas or whitespace, and/or PEM `PUBLIC KEY` blocks. Several keys = key rotation: an
 * announcement signed by any of them is accepted. Throws {@link SigningKeyError} naming the entry.
 */
export function parsePublicKeys(text: string): TrustedKey[] {
  const keys: TrustedKey[] = [];
  const pems = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  for (const pem of pems) keys.push(trusted(publicFromPem(pem)));
  const rest = text.replace(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g, ' ');
  for (const [i, entry] of rest.split(/[\s,]+/).filter(Boolean).entries()) {
    const raw = Buffer.from(entry, 'base64');
    if (raw.length !== 32 || raw.toString('base64').replace(/=+$/, '') !== entry.replace(/=+$/, '')) {
      throw new SigningKeyError(`public key #${i + 1} ('${entry.slice(0, 12)}…') is not a base64 Ed25519 public key of 32 bytes`);
    }
    keys.push(trusted(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' })));
  }
  return keys;
}

/** First 16 hex digits of sha256(raw public key). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

function trusted(publicKey: KeyObject): TrustedKey {
  return { keyId: keyIdOf(publicKey), publicKey };
}

function publicFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new SigningKeyError('a PEM public key in the model key list is not readable', { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`a PEM public key in the model key list is a ${key.asymmetricKeyType} key; Ed25519 keys only`);
  return key;
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const x = publicKey.export({ format: 'jwk' }).x;
  if (publicKey.asymmetricKeyType !== 'ed25519' || typeof x !== 'string') throw new SigningKeyError('not an Ed25519 public key');
  return Buffer.from(x, 'base64url');
}
