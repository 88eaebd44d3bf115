import { decodeFrame, edgeAlertMessage, parseJsonPayload, statusMessage, telemetryMessage } from '@premonitor/contracts';
import type { FuzzMessage } from './fuzz-mutations.js';

/** The acceptance limits ingest runs with in the fuzz case (set explicitly in its environment). */
export interface FuzzLimits {
  readonly maxJsonBytes: number;
  readonly maxFutureSkewMs: number;
  readonly maxPastAgeMs: number;
}

/** What must become of a message. */
export type Expected =
  /** The broker's ACL refuses it: it never reaches ingest. */
  | { readonly fate: 'refused' }
  /** Valid by the contract: stored (telemetry) or forwarded (frames, status, edge alerts) exactly once. */
  | { readonly fate: 'stored'; readonly key: string }
  /**
   * Valid by the contract's schemas, yet a store may refuse it (NUL or a lone surrogate in a
   * string, invalid UTF-8 a strict decoder refuses, a timestamp within seconds of a limit):
   * stored or dead-lettered, but exactly one of the two.
   */
  | { readonly fate: 'either'; readonly key: string; readonly why: string }
  /** Invalid: dead-lettered with a reason, never stored. */
  | { readonly fate: 'dead-letter'; readonly why: string };

/**
 * A timestamp this close to an acceptance limit may fall either side by the time ingest sees it
 * (messages are generated before the run and sent over a minute or two).
 */
const CLOCK_MARGIN_MS = 180_000;

/**
 * The fuzz case's oracle, from the contract (`@premonitor/contracts`: the schemas and the frame
 * codec every service shares) and ingest's documented limits — not from ingest's code, so a
 * mistake in ingest's classification shows up as a disagreement.
 */
export function expectedFate(m: FuzzMessage, now: number, limits: FuzzLimits): Expected {
  if (m.channel === 'wrong-topic') return { fate: 'refused' };
  if (m.channel === 'acoustic' || m.channel === 'thermal') {
    const decoded = decodeFrame(m.payload, m.channel);
    if (!decoded.ok) return { fate: 'dead-letter', why: decoded.reason };
    return withTimestamp(decoded.value.ts, now, limits, `${m.channel}#${decoded.value.seq}`, undefined);
  }
  const schema = m.channel === 'telemetry' ? telemetryMessage : m.channel === 'status' ? statusMessage : edgeAlertMessage;
  const parsed = parseJsonPayload(schema, m.payload, limits.maxJsonBytes);
  if (!parsed.ok) return { fate: 'dead-letter', why: parsed.reason };
  const value = parsed.value as { ts?: number; seq?: number };
  const key = m.channel === 'telemetry' ? `${value.seq}#${value.ts}` : m.channel === 'edge-alert' ? `${value.seq}` : 'status';
  const awkward = !isWellFormedUtf8(m.payload) ? 'invalid UTF-8 in a payload that decodes leniently' : hasUnstorableText(parsed.value) ? 'NUL or lone surrogate in a string' : undefined;
  return withTimestamp(value.ts, now, limits, key, awkward);
}

function withTimestamp(ts: number | undefined, now: number, limits: FuzzLimits, key: string, awkward: string | undefined): Expected {
  if (ts !== undefined) {
    const future = ts - (now + limits.maxFutureSkewMs);
    const past = now - limits.maxPastAgeMs - ts;
    if (future > CLOCK_MARGIN_MS) return { fate: 'dead-letter', why: 'timestamp in the future' };
    if (past > CLOCK_MARGIN_MS) return { fate: 'dead-letter', why: 'timestamp too old' };
    if (future > -CLOCK_MARGIN_MS || past > -CLOCK_MARGIN_MS) return { fate: 'either', key, why: 'timestamp at an acceptance limit' };
  }
  return awkward ? { fate: 'either', key, why: awkward } : { fate: 'stored', key };
}

function isWellFormedUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** True when a key or string anywhere in the value holds U+0000 or an unpaired surrogate (PostgreSQL text and jsonb refuse both). */
function hasUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (unstorable(v)) return true;
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (unstorable(k)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

function unstorable(s: string): boolean {
  return s.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
