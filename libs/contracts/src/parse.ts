import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import type { DecodeResult } from './frame-codec.js';

/** Turns a zod error into one line naming each offending field: `readings.temp: expected number`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}${keyDetail(issue)}`)
    .join('; ');
}

/** zod reports a refused record key only as "Invalid key in record"; say why. */
function keyDetail(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_key') return '';
  const inner = issue.issues[0];
  return inner ? ` (${inner.message})` : '';
}

/** Parses a JSON MQTT payload into a value, unchecked: size, UTF-8 and syntax only. Never throws. */
export function parseJsonValue(bytes: Uint8Array, maxBytes: number): DecodeResult<unknown> {
  if (bytes.byteLength > maxBytes) return { ok: false, reason: `payload is ${bytes.byteLength} bytes, above the ${maxBytes}-byte limit` };
  // Decoding would quietly turn invalid bytes into U+FFFD: refuse them instead, so what is
  // stored is what the device meant.
  if (!isUtf8(bytes)) return { ok: false, reason: 'malformed JSON: payload is not valid UTF-8' };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, reason: `malformed JSON: ${(err as Error).message}` };
  }
}

/** Checks a parsed JSON value against its schema, with a one-line reason when it does not fit. */
export function checkJsonValue<S extends z.ZodType>(schema: S, json: unknown): DecodeResult<z.infer<S>> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `invalid payload: ${describeZodError(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

/** Parses a JSON MQTT payload against its schema. Never throws on bad input. */
export function parseJsonPayload<S extends z.ZodType>(schema: S, bytes: Uint8Array, maxBytes: number): DecodeResult<z.infer<S>> {
  const json = parseJsonValue(bytes, maxBytes);
  return json.ok ? checkJsonValue(schema, json.value) : json;
}
