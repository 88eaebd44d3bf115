import type { Kysely, Selectable, Transaction } from 'kysely';
import { busSubjects, deviceKey, type AlertEvent, type DeviceRef, type Severity } from '@premonitor/contracts';
import type { AlertsTable, Database, Json } from '@premonitor/db';
import { planTransition, planTrigger, type AlertStatus, type TransitionPlan } from './alert-lifecycle.js';
import type { AlertStore, OutboxEntry, TransitionOutcome, UnresolvedAlert } from './alert-store.js';
import type { AlertSource, RaiseDecision } from './signals.js';

type AlertRow = Selectable<AlertsTable>;

/** What `alerts.details` holds for fusion's alerts. */
interface AlertDetails {
  readonly message: string;
  /** Every source that raised this alert; edge and core merge into one alert. */
  readonly sources: AlertSource[];
}

/** `AlertStore` over the `alerts`, `alert_events` and `alert_outbox` tables. */
export class KyselyAlertStore implements AlertStore {
  constructor(private readonly db: Kysely<Database>) {}

  async raise(decision: RaiseDecision): Promise<readonly OutboxEntry[]> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await unresolvedFor(trx, decision.ref, decision.ruleId);
      const plan = planTrigger(existing && { ...existing, source: existing.source as AlertSource, peakScore: existing.peak_score }, decision);
      const at = new Date(decision.at);
      let alert: AlertRow;
      if (plan.kind === 'open') {
        const details: AlertDetails = { message: decision.message, sources: [decision.source] };
        alert = await trx
          .insertInto('alerts')
          .values({
            device_id: deviceKey(decision.ref),
            site: decision.ref.site,
            rule: decision.ruleId,
            severity: plan.severity,
            status: 'open',
            source: decision.source,
            title: decision.title,
            first_seen: at,
            last_seen: at,
            count: 1,
            peak_score: plan.peakScore,
            details: JSON.stringify(details),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      } else {
        const row = existing!;
        const before = readDetails(row.details);
        const sources = before.sources.includes(decision.source) ? before.sources : [...before.sources, decision.source];
        const details: AlertDetails = { message: decision.message, sources };
        alert = await trx
          .updateTable('alerts')
          .set({
            severity: plan.severity,
            status: plan.transition ? plan.transition.to : row.status,
            count: plan.count,
            peak_score: plan.peakScore,
            last_seen: at,
            details: JSON.stringify(details),
            updated_at: new Date(),
          })
          .where('id', '=', row.id)
          .returningAll()
          .executeTakeFirstOrThrow();
      }
      return plan.transition ? [await record(trx, alert, plan.transition, decision.at, decision.message)] : [];
    });
  }

  async resolveRule(ref: DeviceRef, ruleId: string, at: number, actor: string, note: string | null): Promise<readonly OutboxEntry[]> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await unresolvedFor(trx, ref, ruleId);
      if (!existing) return [];
      const check = planTransition(existing.status, 'resolved', actor, note);
      if (!check.ok) return [];
      return [await apply(trx, existing, check.plan, at)];
    });
  }

  async transition(alertId: number, to: AlertStatus, actor: string, note: string | null, at: number): Promise<TransitionOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('alerts').selectAll().where('id', '=', alertId).forUpdate().executeTakeFirst();
      if (!existing) return { kind: 'not_found' } as const;
      const check = planTransition(existing.status, to, actor, note);
      if (!check.ok) return { kind: 'invalid', status: existing.status, reason: check.reason } as const;
      return { kind: 'done', entry: await apply(trx, existing, check.plan, at) } as const;
    });
  }

  async outbox(limit: number): Promise<readonly OutboxEntry[]> {
    const rows = await this.db.selectFrom('alert_outbox').select(['event_id', 'subject', 'payload']).orderBy('event_id').limit(limit).execute();
    return rows.map((r) => ({ eventId: Number(r.event_id), subject: r.subject, payload: r.payload as unknown as AlertEvent }));
  }

  async published(eventIds: readonly number[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db.deleteFrom('alert_outbox').where('event_id', 'in', [...eventIds]).execute();
  }

  async unresolved(): Promise<readonly UnresolvedAlert[]> {
    const rows = await this.db.selectFrom('alerts').select(['device_id', 'site', 'rule', 'last_seen']).where('status', '<>', 'resolved').execute();
    return rows.map((r) => ({
      ref: { site: r.site, device: r.device_id.slice(r.site.length + 1) },
      ruleId: r.rule,
      lastSeen: toDate(r.last_seen).getTime(),
    }));
  }
}

function unresolvedFor(trx: Transaction<Database>, ref: DeviceRef, ruleId: string): Promise<AlertRow | undefined> {
  return trx
    .selectFrom('alerts')
    .selectAll()
    .where('device_id', '=', deviceKey(ref))
    .where('rule', '=', ruleId)
    .where('status', '<>', 'resolved')
    .forUpdate()
    .executeTakeFirst();
}

async function apply(trx: Transaction<Database>, row: AlertRow, plan: TransitionPlan, at: number): Promise<OutboxEntry> {
  const updated = await trx
    .updateTable('alerts')
    .set({ status: plan.to, updated_at: new Date(), resolved_at: plan.to === 'resolved' ? new Date(at) : null })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return record(trx, updated, plan, at, readDetails(updated.details).message);
}

/** Writes the `alert_events` row and its outbox entry; the event id makes the idempotency key. */
async function record(trx: Transaction<Database>, alert: AlertRow, plan: TransitionPlan, at: number, message: string): Promise<OutboxEntry> {
  const event = await trx
    .insertInto('alert_events')
    .values({ alert_id: alert.id, time: new Date(at), from_status: plan.from === 'none' ? null : plan.from, to_status: plan.to, actor: plan.actor, note: plan.note })
    .returning('id')
    .executeTakeFirstOrThrow();
  const eventId = Number(event.id);
  const ref = { site: alert.site, device: alert.device_id.slice(alert.site.length + 1) };
  const payload: AlertEvent = {
    alertId: String(alert.id),
    ...ref,
    rule: alert.rule,
    severity: alert.severity as Severity,
    from: plan.from,
    to: plan.to,
    ts: at,
    count: alert.count,
    peakScore: alert.peak_score,
    message: `${alert.title}: ${message}`.slice(0, 1000),
    idempotencyKey: `${alert.id}:${eventId}`,
    source: alert.source as AlertSource,
    actor: plan.actor.slice(0, 128),
    ...(plan.note === null ? {} : { note: plan.note.slice(0, 1000) }),
    ...(plan.previousSeverity ? { previousSeverity: plan.previousSeverity } : {}),
  };
  const subject = busSubjects.alerts.subject(payload.severity, ref);
  await trx.insertInto('alert_outbox').values({ event_id: eventId, subject, payload: JSON.stringify(payload) }).execute();
  return { eventId, subject, payload };
}

function readDetails(details: Json | null): AlertDetails {
  const d = (typeof details === 'string' ? JSON.parse(details) : details) as Partial<AlertDetails> | null;
  return { message: typeof d?.message === 'string' ? d.message : '', sources: Array.isArray(d?.sources) ? d.sources : [] };
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
