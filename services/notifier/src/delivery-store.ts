import type { AlertEvent } from '@premonitor/contracts';
import type { Json } from '@premonitor/db';

/** One (channel, alert transition) waiting to be delivered. */
export interface OutboxItem {
  readonly id: number;
  readonly channel: string;
  /** The transition's key from the alert event. */
  readonly idempotencyKey: string;
  readonly event: AlertEvent;
  /** Attempts made so far. */
  readonly attempts: number;
  /**
   * An attempt under this item's key already succeeded (another notifier process sent it): the
   * worker marks it delivered instead of sending it again. Read with the item, so the check
   * costs no round trip of its own.
   */
  readonly deliveredBefore: boolean;
}

/** The outcome of one attempt for one item (a digest records one per item it covered). */
export interface AttemptRecord {
  readonly item: OutboxItem;
  /** The `Idempotency-Key` sent. */
  readonly sentKey: string;
  readonly attempt: number;
  readonly status: 'delivered' | 'failed' | 'dead';
  readonly statusCode: number | null;
  readonly latencyMs: number | null;
  readonly error: string | null;
  readonly payload: Json | null;
  /** When a failed item is due again. */
  readonly nextAttemptAt?: Date;
}

/** A delivery that exhausted its attempts or was refused for good. */
export interface DeadLetterView {
  readonly id: number;
  readonly channel: string;
  readonly idempotencyKey: string;
  readonly alertId: string;
  readonly site: string;
  readonly device: string;
  readonly severity: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly resendCount: number;
  readonly createdAt: Date;
  readonly deadAt: Date;
  readonly event: Json;
}

/** Outcome of a re-send request. */
export type ResendOutcome = { readonly ok: true; readonly channel: string } | { readonly ok: false; readonly reason: 'not_found' | 'not_dead' };

/** The notifier's persistence port: outbox (queue per channel), attempt log, dead letters. */
export interface DeliveryStore {
  /** Adds items, ignoring those already present (bus redelivery); resolves once durable. */
  enqueue(items: readonly { channel: string; event: AlertEvent; dueAt: Date }[]): Promise<void>;
  /**
   * Claims pending items of a channel due at `now` for `leaseMs` (no other replica takes them
   * meanwhile) and returns them oldest first (each says whether its key was delivered already).
   */
  ready(channel: string, now: Date, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /** When the next pending item of a channel can be claimed, if any. */
  nextDueAt(channel: string): Promise<Date | undefined>;
  /** Gives back this process's claims on items still pending (on stop), so other replicas take them at once. */
  releaseClaims(): Promise<void>;
  /** Marks an item delivered without a new attempt (a success recorded before a crash). */
  markDelivered(id: number): Promise<void>;
  /** Writes the attempt rows and moves the items on, in one transaction. */
  record(attempts: readonly AttemptRecord[]): Promise<void>;
  listDeadLetters(query: { channel?: string | undefined; site?: string | undefined; limit: number; beforeId?: number }): Promise<DeadLetterView[]>;
  /** Puts a dead letter back in its channel's queue with fresh attempts. */
  resend(id: number, now: Date): Promise<ResendOutcome>;
}
