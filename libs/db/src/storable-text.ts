import { isUtf8 } from 'node:buffer';
import type { Json } from './schema.js';

// NUL, which PostgreSQL refuses in text and jsonb, and lone surrogates, which jsonb refuses
// (and text would silently turn into U+FFFD). No `u` flag: the regex must see UTF-16 units.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeUnit(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The one sanitizer for text written to PostgreSQL from outside (device payloads, error
 * messages, subjects): NUL becomes the visible `\u0000`, a lone surrogate `\ud800`, so the
 * write cannot fail on them and a reader still sees what was there. Anything else is kept.
 */
export function storableText(text: string): string {
  UNSTORABLE.lastIndex = 0;
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE, escapeUnit) : text;
}

/** Bytes as storable text: valid UTF-8 decoded, every invalid byte shown as `\xNN`. */
export function storableTextFromBytes(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return storableText(buffer.toString('utf8'));
  let out = '';
  let start = 0;
  for (let i = 0; i < buffer.length; ) {
    const length = sequenceLength(buffer, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += buffer.toString('utf8', start, i) + `\\x${buffer[i]!.toString(16).padStart(2, '0')}`;
    start = ++i;
  }
  return storableText(out + buffer.toString('utf8', start));
}

/** A JSON value for a jsonb column with every string (keys included) made storable. */
export function storableJson(value: unknown): Json {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(storableJson);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[storableText(key)] = storableJson(item);
    return out;
  }
  return null;
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function sequenceLength(b: Buffer, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const lo = lead === 0xe0 ? 0xa0 : 0x80;
    const hi = lead === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const lo = lead === 0xf0 ? 0x90 : 0x80;
    const hi = lead === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
