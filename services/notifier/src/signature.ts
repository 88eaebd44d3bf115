import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signing time, in whole seconds since the epoch. */
export const TIMESTAMP_HEADER = 'X-Premonitor-Timestamp';
/** Header carrying `sha256=<hex HMAC-SHA256 of "timestamp.body">`. */
export const SIGNATURE_HEADER = 'X-Premonitor-Signature';
/** Header carrying the per-transition, per-channel key receivers deduplicate by. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The signature header value for `body` sent at `timestampS` (seconds since the epoch). */
export function signPayload(secret: string, timestampS: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

/**
 * For receivers of the generic webhook: true when `signature` is the HMAC of
 * `"timestamp.body"` under `secret` and the timestamp lies within `toleranceS` seconds of now,
 * so a captured request replayed later is refused. Compares in constant time.
 */
export function verifySignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Uint8Array,
  signature: string | undefined,
  toleranceS: number,
  nowMs: number = Date.now(),
): boolean {
  if (timestamp === undefined || signature === undefined) return false;
  const text = String(timestamp);
  if (!/^\d{1,15}$/.test(text)) return false;
  if (Math.abs(nowMs / 1000 - Number(text)) > toleranceS) return false;
  const bodyText = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const expected = Buffer.from(signPayload(secret, text, bodyText));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
