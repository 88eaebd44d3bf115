import type { Logger } from '@premonitor/log';

/** The logging the broker needs; a pino logger from @premonitor/log fits. */
export type BrokerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Optional counters the broker feeds; keeps prom-client (or any metrics library) out of this package. */
export interface BrokerMetrics {
  /** A client completed CONNECT; `connected` is the new total. */
  clientConnected?(connected: number): void;
  /** A connected client went away; `connected` is the new total. */
  clientDisconnected?(connected: number): void;
  /** A CONNECT was refused: wrong credentials, or a will topic outside the ACL. */
  connectRefused?(reason: 'credentials' | 'will-topic'): void;
  /** A PUBLISH outside the sender's ACL was dropped. */
  publishRefused?(username: string): void;
  /** A SUBSCRIBE filter outside the ACL was refused (SUBACK 0x80). */
  subscribeRefused?(username: string): void;
  /** A subscriber has this many unacknowledged QoS≥1 messages (reported at multiples of the threshold). */
  subscriberBacklog?(clientId: string, unacked: number): void;
}
