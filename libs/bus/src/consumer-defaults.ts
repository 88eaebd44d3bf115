import type { ConsumerSpec } from './bus.js';
import { InvalidConsumerSpecError } from './errors.js';

/** A consumer spec with every default filled in. */
export type ResolvedConsumerSpec = Required<ConsumerSpec>;

/** The defaults documented on `ConsumerSpec`, shared so both adapters apply the same ones. */
export const CONSUMER_DEFAULTS = Object.freeze({
  ackWaitMs: 30_000,
  maxDeliver: 10,
  maxAckPending: 1_000,
  deliverPolicy: 'all',
} as const);

/** Fills in the defaults and rejects values JetStream would refuse. */
export function resolveConsumerSpec(spec: ConsumerSpec): ResolvedConsumerSpec {
  const resolved: ResolvedConsumerSpec = {
    stream: spec.stream,
    durable: spec.durable,
    filterSubject: spec.filterSubject,
    ackWaitMs: spec.ackWaitMs ?? CONSUMER_DEFAULTS.ackWaitMs,
    maxDeliver: spec.maxDeliver ?? CONSUMER_DEFAULTS.maxDeliver,
    maxAckPending: spec.maxAckPending ?? CONSUMER_DEFAULTS.maxAckPending,
    deliverPolicy: spec.deliverPolicy ?? CONSUMER_DEFAULTS.deliverPolicy,
  };
  if (!/^[A-Za-z0-9_-]+$/.test(resolved.durable)) {
    throw new InvalidConsumerSpecError(resolved.durable, 'the name may only contain letters, digits, "-" and "_"');
  }
  if (resolved.maxDeliver !== -1 && !(Number.isInteger(resolved.maxDeliver) && resolved.maxDeliver >= 1)) {
    throw new InvalidConsumerSpecError(resolved.durable, `maxDeliver must be a positive integer or -1 (unlimited), got ${resolved.maxDeliver}`);
  }
  for (const key of ['ackWaitMs', 'maxAckPending'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) throw new InvalidConsumerSpecError(resolved.durable, `${key} must be a positive integer, got ${value}`);
  }
  return Object.freeze(resolved);
}
