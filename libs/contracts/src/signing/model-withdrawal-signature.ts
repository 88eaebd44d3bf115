import { sign, verify } from 'node:crypto';
import type { DeviceRef } from '../ids.js';
import type { ModelWithdrawal } from '../messages.js';
import type { AnnouncementVerdict } from './announcement-signature.js';
import type { SigningKey, TrustedKey } from './ed25519-keys.js';

/** A withdrawal before it is signed. */
export type UnsignedModelWithdrawal = Pick<ModelWithdrawal, 'kind' | 'reason'>;

// Its own domain tag: a signed announcement or baseline command never passes for a withdrawal, nor the reverse.
const DOMAIN = 'premonitor/model-withdrawal/v1';

function signingBytes(w: UnsignedModelWithdrawal, ref: DeviceRef, issuedAt: number): Buffer {
  return Buffer.from(JSON.stringify([DOMAIN, w.kind, w.reason, ref.site, ref.device, issuedAt]), 'utf8');
}

/**
 * Signs the withdrawal of a device's model for that device, issued at `issuedAt` (epoch ms).
 * Signed because it switches local scoring off: one anybody on the broker could publish would
 * blind the device's edge while the core is away.
 */
export function signModelWithdrawal(w: UnsignedModelWithdrawal, ref: DeviceRef, issuedAt: number, key: SigningKey): ModelWithdrawal {
  const signature = sign(null, signingBytes(w, ref, issuedAt), key.privateKey).toString('base64url');
  return { kind: w.kind, withdrawn: true, reason: w.reason, issuedAt, keyId: key.keyId, signature };
}

/**
 * Checks that `w` was signed for `ref` by one of `trusted`. Ordering (a replay) is the caller's
 * to check on `issuedAt`, against the announcements and withdrawals it accepted before.
 */
export function verifyModelWithdrawal(w: ModelWithdrawal, ref: DeviceRef, trusted: readonly TrustedKey[]): AnnouncementVerdict {
  if (trusted.length === 0) return { ok: false, reason: 'no model public key is configured, so no withdrawal can be trusted (EDGE_MODEL_PUBLIC_KEY)' };
  const key = trusted.find((k) => k.keyId === w.keyId);
  if (!key) return { ok: false, reason: `signed by unknown key ${w.keyId} (trusted: ${trusted.map((k) => k.keyId).join(', ')})` };
  const valid = verify(null, signingBytes(w, ref, w.issuedAt), key.publicKey, Buffer.from(w.signature, 'base64url'));
  return valid ? { ok: true, keyId: key.keyId, issuedAt: w.issuedAt } : { ok: false, reason: `bad signature for key ${w.keyId}: the withdrawal was altered or is meant for another device` };
}
