import { sign, verify } from 'node:crypto';
import type { DeviceRef } from '../ids.js';
import type { BaselineCommand } from '../messages.js';
import type { SigningKey, TrustedKey } from './ed25519-keys.js';

/** A baseline command before it is signed. */
export type UnsignedBaselineCommand = Pick<BaselineCommand, 'kind' | 'action'>;

/** Why a baseline command was not accepted, or the key that signed it. */
export type BaselineCommandVerdict = { readonly ok: true; readonly keyId: string } | { readonly ok: false; readonly reason: string };

// Its own domain tag: a signed model announcement can never pass for a command, nor the reverse.
const DOMAIN = 'premonitor/baseline-command/v1';

function signingBytes(c: UnsignedBaselineCommand, ref: DeviceRef, issuedAt: number): Buffer {
  return Buffer.from(JSON.stringify([DOMAIN, c.kind, c.action, ref.site, ref.device, issuedAt]), 'utf8');
}

/**
 * Signs a baseline command for one device, issued at `issuedAt` (epoch ms). Signed because it
 * switches detection off for a machine (faulty: no enrollment): a command anybody on the broker
 * could publish would be a way to blind a device.
 */
export function signBaselineCommand(c: UnsignedBaselineCommand, ref: DeviceRef, issuedAt: number, key: SigningKey): BaselineCommand {
  const signature = sign(null, signingBytes(c, ref, issuedAt), key.privateKey).toString('base64url');
  return { kind: c.kind, action: c.action, issuedAt, keyId: key.keyId, signature };
}

/** Checks that `c` was signed for `ref` by one of `trusted`. Ordering (replays) is the caller's to check on `issuedAt`. */
export function verifyBaselineCommand(c: BaselineCommand, ref: DeviceRef, trusted: readonly TrustedKey[]): BaselineCommandVerdict {
  if (trusted.length === 0) return { ok: false, reason: 'no model public key is configured, so no command can be trusted (EDGE_MODEL_PUBLIC_KEY)' };
  const key = trusted.find((k) => k.keyId === c.keyId);
  if (!key) return { ok: false, reason: `signed by unknown key ${c.keyId} (trusted: ${trusted.map((k) => k.keyId).join(', ')})` };
  const valid = verify(null, signingBytes(c, ref, c.issuedAt), key.publicKey, Buffer.from(c.signature, 'base64url'));
  return valid ? { ok: true, keyId: key.keyId } : { ok: false, reason: `bad signature for key ${c.keyId}: the command was altered or is meant for another device` };
}
