import { busSubjects, parseTelemetryScoreSubject, type ModelPromotedEvent, type ScoreEvent } from '@premonitor/contracts';
import { decodeEvent, type Bus, type Subscription } from '@premonitor/bus';
import type { ConsumerPolicy } from '@premonitor/resilience';

/**
 * Consumes the frame scores (`pm.scores.{kind}.{site}.*`, telemetry window scores left out: their
 * models are per device) from new ones on: a restarted service judges drift on fresh windows.
 */
export function consumeFrameScores(bus: Bus, policy: ConsumerPolicy, durable: string, site: string, handle: (event: ScoreEvent) => Promise<void>): Promise<Subscription> {
  return bus.consume(
    policy.spec({ stream: busSubjects.scores.stream, durable, filterSubject: busSubjects.scores.ofSite(site), deliverPolicy: 'new', ackWaitMs: 30_000 }),
    policy.guard(async (message) => {
      if (parseTelemetryScoreSubject(message.subject)) return void message.ack();
      const decoded = decodeEvent('scores', message);
      if (!decoded.ok) return void policy.deadLetter(message, `invalid score event: ${decoded.reason}`);
      await handle(decoded.value);
      message.ack();
    }),
  );
}

/** Consumes `pm.models.*.promoted`: every path to production (gate, admin, rollback, restore) announces there. */
export function consumePromotions(bus: Bus, policy: ConsumerPolicy, durable: string, handle: (event: ModelPromotedEvent) => Promise<void>): Promise<Subscription> {
  return bus.consume(
    policy.spec({ stream: busSubjects.modelPromoted.stream, durable, filterSubject: busSubjects.modelPromoted.wildcard, deliverPolicy: 'new', ackWaitMs: 60_000 }),
    policy.guard(async (message) => {
      const decoded = decodeEvent('modelPromoted', message);
      if (!decoded.ok) return void policy.deadLetter(message, `invalid promotion event: ${decoded.reason}`);
      await handle(decoded.value);
      message.ack();
    }),
  );
}
