export { backoffDelayMs, noJitter, type BackoffPolicy } from './backoff.js';
export { classifyFailure, type FailureKind } from './failure-kind.js';
export { isolatePoison, type Isolation, type Poisoned } from './isolate-poison.js';
export { persistIsolating, AbandonedError, BATCH_BACKOFF, type PersistOptions } from './persist-isolating.js';
export { ConsumerPolicy, CONSUMER_BACKOFF, type ConsumerPolicyOptions, type FailOptions } from './consumer-policy.js';
export type { DeadLetterEntry, DeadLetterSink } from './dead-letter-sink.js';
export { settleWithin } from './settle-within.js';
