import type { Logger } from '@premonitor/log';
import type { ThrottleKey } from './login-throttle.js';
import type { PacketRefusal } from './packet-size-guard.js';

/** The logging the broker needs; a pino logger from @premonitor/log fits. */
export type BrokerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Why a CONNECT was refused. */
export type ConnectRefusalReason = 'credentials' | 'throttled' | 'client-id' | 'will-topic';

/**
 * Optional counters the broker feeds; keeps prom-client (or any metrics library) out of
 * this package. Usernames are passed for logs and per-account views; a Prometheus
 * adapter should not turn them into labels (one series per device).
 */
export interface BrokerMetrics {
  /** A client completed CONNECT; `connected` is the new total. */
  clientConnected?(connected: number): void;
  /** A connected client went away; `connected` is the new total. */
  clientDisconnected?(connected: number): void;
  /** A CONNECT was refused. `credentials` is a failed login (a wrong password or an unknown username). */
  connectRefused?(reason: ConnectRefusalReason): void;
  /** A device login was held because devices are not admitted (the platform is starting or draining). */
  loginHeld?(): void;
  /** A login was refused without checking the password because `key` is locked out after repeated failures. */
  loginThrottled?(key: ThrottleKey): void;
  /** A connection was cut because of a packet above its size limit (or an impossible length). */
  packetRefused?(reason: PacketRefusal['reason']): void;
  /** A PUBLISH outside the sender's ACL was dropped. */
  publishRefused?(username: string): void;
  /** A retained PUBLISH was delivered but not stored as retained (wrong topic or too large). */
  retainRefused?(username: string): void;
  /** A SUBSCRIBE filter outside the ACL was refused (SUBACK 0x80). */
  subscribeRefused?(username: string): void;
  /** A message was not delivered to a client without read access (queued, retained or live). */
  forwardRefused?(username: string): void;
  /** A device message was refused (not acknowledged) because the journal is full or cannot be written. */
  journalFull?(username: string): void;
  /** The journal holds this many bytes (after each checkpoint). */
  journalBytes?(bytes: number): void;
  /** This many messages kept by the journal from an earlier run were published again at start. */
  journalReplayed?(messages: number): void;
  /** A subscriber has this many unacknowledged QoS≥1 messages (reported at multiples of the threshold). */
  subscriberBacklog?(clientId: string, unacked: number): void;
}
