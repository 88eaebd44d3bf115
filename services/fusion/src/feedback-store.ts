import type { Kysely } from 'kysely';
import type { AlertFeedbackEvent, FeedbackVerdict } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';

/** One verdict to record. */
export interface FeedbackInput {
  readonly alertId: number;
  readonly verdict: FeedbackVerdict;
  readonly note: string | null;
  readonly actor: string;
  /** ms since epoch. */
  readonly at: number;
}

/**
 * Verdicts on alerts over `alert_feedback` (the current one per alert) and `alert_events`
 * (every one, as a row that keeps the alert's status and notes the verdict).
 */
export class FeedbackStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records the verdict in one transaction; the event to publish, or undefined for an unknown alert. */
  async record(input: FeedbackInput): Promise<AlertFeedbackEvent | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // Row lock: two verdicts at once on one alert end in a defined order, the later one current.
      const alert = await trx
        .selectFrom('alerts')
        .select(['id', 'site', 'device_id', 'rule', 'status', 'first_seen', 'last_seen'])
        .where('id', '=', input.alertId)
        .forUpdate()
        .executeTakeFirst();
      if (!alert) return undefined;
      const at = new Date(input.at);
      const row = { verdict: input.verdict, note: input.note, actor: input.actor, at };
      await trx
        .insertInto('alert_feedback')
        .values({ alert_id: alert.id, ...row })
        .onConflict((oc) => oc.column('alert_id').doUpdateSet(row))
        .execute();
      const event = await trx
        .insertInto('alert_events')
        .values({ alert_id: alert.id, time: at, from_status: alert.status, to_status: alert.status, actor: input.actor, note: `feedback: ${input.verdict}${input.note ? ` — ${input.note}` : ''}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      return {
        alertId: String(alert.id),
        site: alert.site,
        device: alert.device_id.slice(alert.site.length + 1),
        rule: alert.rule,
        verdict: input.verdict,
        note: input.note,
        actor: input.actor,
        ts: input.at,
        from: new Date(alert.first_seen).getTime(),
        to: new Date(alert.last_seen).getTime(),
        idempotencyKey: `${alert.id}.${event.id}`,
      };
    });
  }
}
