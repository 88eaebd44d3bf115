import { busSubjects, parseJsonPayload, type BusSubjectName, type PayloadOf } from '@premonitor/contracts';
import type { Bus, BusMessage, PublishOptions, PublishResult } from './bus.js';
import { InvalidSubjectError } from './errors.js';
import { compileSubjectPattern, splitSubject, type SubjectMatcher } from './subject-match.js';

/** The arguments that build a subject's name, e.g. `[kind, ref]` for `frames`. */
export type SubjectArgs<K extends BusSubjectName> = Parameters<(typeof busSubjects)[K]['subject']>;

/** Outcome of decoding an event: the typed payload, or why the bytes were rejected. */
export type DecodedEvent<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Largest JSON event accepted; the NATS default max_payload is 1 MiB, so nothing larger arrives. */
const MAX_EVENT_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const wildcards = new Map<BusSubjectName, SubjectMatcher>();

/**
 * The concrete subject of `name`: built from its arguments, or — when the caller already holds
 * the subject string — checked to be one of `name`'s subjects, so a payload never lands on a
 * subject whose schema differs.
 */
export function eventSubject<K extends BusSubjectName>(name: K, subject: SubjectArgs<K> | string): string {
  if (typeof subject !== 'string') {
    // Each entry's `subject` takes exactly SubjectArgs<K>; TypeScript cannot relate the two for a generic K.
    const build = busSubjects[name].subject as (...args: readonly unknown[]) => string;
    return build(...subject);
  }
  let matches = wildcards.get(name);
  if (!matches) {
    matches = compileSubjectPattern(busSubjects[name].wildcard);
    wildcards.set(name, matches);
  }
  if (!matches(splitSubject(subject))) throw new InvalidSubjectError(subject, `it is not a ${name} subject (${busSubjects[name].wildcard})`);
  return subject;
}

/** The bytes of an event: frames as they are, every other payload as JSON. */
export function encodeEvent<K extends BusSubjectName>(name: K, payload: PayloadOf<K>): Uint8Array {
  if (busSubjects[name].schema === null) return payload as Uint8Array;
  return encoder.encode(JSON.stringify(payload));
}

/**
 * Publishes a typed event, e.g.
 * `publishEvent(bus, 'telemetry', [ref], event, { msgId: deviceMessageId(ref, 'telemetry', seq) })`;
 * `subject` is the subject's arguments or the subject itself (see `eventSubject`). The payload is
 * trusted (typed inside the service); consumers validate with `decodeEvent`. Rejects with
 * `InvalidSubjectError` when a given subject string does not belong to `name`.
 */
export async function publishEvent<K extends BusSubjectName>(
  bus: Bus,
  name: K,
  subject: SubjectArgs<K> | string,
  payload: PayloadOf<K>,
  options?: PublishOptions,
): Promise<PublishResult> {
  return bus.publish(eventSubject(name, subject), encodeEvent(name, payload), options);
}

/**
 * Decodes and validates a received event against its schema (frames: the raw bytes, which the
 * frame codec decodes). Never throws: a bad payload is a result, typically answered with `term`.
 */
export function decodeEvent<K extends BusSubjectName>(name: K, message: Pick<BusMessage, 'data'>): DecodedEvent<PayloadOf<K>> {
  const schema = busSubjects[name].schema;
  // The casts restate what PayloadOf<K> computes from the same schema field.
  if (schema === null) return { ok: true, value: message.data as PayloadOf<K> };
  return parseJsonPayload(schema, message.data, MAX_EVENT_BYTES) as DecodedEvent<PayloadOf<K>>;
}
