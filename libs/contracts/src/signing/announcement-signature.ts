import { sign, verify } from 'node:crypto';
import type { DeviceRef } from '../ids.js';
import type { ModelAnnouncement } from '../messages.js';
import type { SigningKey, TrustedKey } from './ed25519-keys.js';

/** An announcement before it is signed. */
export type UnsignedAnnouncement = Omit<ModelAnnouncement, 'issuedAt' | 'keyId' | 'signature'>;

/** A signed announcement: the signature fields are present. */
export type SignedAnnouncement = UnsignedAnnouncement & { readonly issuedAt: number; readonly keyId: string; readonly signature: string };

/** Why an announcement was not accepted, or the key that signed it. */
export type AnnouncementVerdict = { readonly ok: true; readonly keyId: string; readonly issuedAt: number } | { readonly ok: false; readonly reason: string };

const DOMAIN = 'premonitor/model-announcement/v1';

/**
 * The bytes a signature covers: a JSON array with a fixed order — a domain tag, then kind,
 * version, sha256, size, url, the device it is for (site, device) and issuedAt. An array needs no
 * key ordering rules, and the device makes an announcement for one device worthless on another
 * (the agent fills in its own site and device, never the payload's).
 */
export function announcementSigningBytes(a: UnsignedAnnouncement, ref: DeviceRef, issuedAt: number): Buffer {
  return Buffer.from(JSON.stringify([DOMAIN, a.kind, a.version, a.sha256, a.size, a.url, ref.site, ref.device, issuedAt]), 'utf8');
}

/** Signs an announcement for one device, issued at `issuedAt` (epoch ms). */
export function signAnnouncement(a: UnsignedAnnouncement, ref: DeviceRef, issuedAt: number, key: SigningKey): SignedAnnouncement {
  const signature = sign(null, announcementSigningBytes(a, ref, issuedAt), key.privateKey).toString('base64url');
  return { ...a, issuedAt, keyId: key.keyId, signature };
}

/**
 * Checks that `a` was signed for `ref` by one of `trusted`: refused when unsigned, signed by a
 * key not in the list, or when the signature does not match (any field changed, or meant for
 * another device). Ordering (replays of older announcements) is the caller's to check on
 * `issuedAt`, against what it accepted before.
 */
export function verifyAnnouncement(a: ModelAnnouncement, ref: DeviceRef, trusted: readonly TrustedKey[]): AnnouncementVerdict {
  if (a.signature === undefined || a.keyId === undefined || a.issuedAt === undefined) return { ok: false, reason: 'unsigned announcement (no signature, keyId or issuedAt)' };
  if (trusted.length === 0) return { ok: false, reason: 'no model public key is configured, so no announcement can be trusted (EDGE_MODEL_PUBLIC_KEY)' };
  const key = trusted.find((k) => k.keyId === a.keyId);
  if (!key) return { ok: false, reason: `signed by unknown key ${a.keyId} (trusted: ${trusted.map((k) => k.keyId).join(', ')})` };
  const valid = verify(null, announcementSigningBytes(a, ref, a.issuedAt), key.publicKey, Buffer.from(a.signature, 'base64url'));
  return valid ? { ok: true, keyId: key.keyId, issuedAt: a.issuedAt } : { ok: false, reason: `bad signature for key ${a.keyId}: the announcement was altered or is meant for another device` };
}
