import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { busSubjects, deviceKey, type AlertEvent, type DeviceRef, type Severity } from '@premonitor/contracts';
import { deleteInBatches, isUniqueViolation, type AlertsTable, type Database, type Json } from '@premonitor/db';
import { planTransition, planTrigger, statusesThatCanBecome, type AlertStatus, type TransitionPlan } from './alert-lifecycle.js';
import type { AlertStore, OutboxEntry, RaiseOutcome, TransitionOutcome, UnresolvedAlert } from './alert-store.js';
import type { AlertSource, RaiseDecision, ResolveDecision } from './signals.js';

type AlertRow = Selectable<AlertsTable>;

/** What `alerts.details` holds for fusion's alerts. */
interface AlertDetails {
  readonly message: string;
  /** Every source that raised this alert; edge and core merge into one alert. */
  readonly sources: AlertSource[];
}

/** The alert fields a transition's event carries. */
interface AlertFields {
  readonly ref: DeviceRef;
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  readonly count: number;
  readonly peakScore: number | null;
  readonly source: AlertSource;
}

/**
 * `AlertStore` over the `alerts`, `alert_events` and `alert_outbox` tables.
 *
 * Opening an alert — the step every notification waits for — is one statement (atomic on its
 * own: no BEGIN/COMMIT round trips): the alert, its `alert_events` row and its outbox entry
 * are inserted together, the ids filled into the payload by the database. The unique index
 * `alerts_one_active` turns a second open of (device, rule) into a no-op, after which the
 * update path runs as before. Other transitions take one transaction of two statements, and a
 * tick's auto-resolves go as one such transaction however many alerts they are.
 *
 * A raise caused by a bus event records the event in `fusion_applied_events` within the same
 * statement (open) or transaction (update) as its effect, and is skipped when the event is
 * there already: at-least-once delivery into fusion makes exactly-once alert changes, at no
 * extra round trip.
 */
export class KyselyAlertStore implements AlertStore {
  constructor(private readonly db: Kysely<Database>) {}

  async raise(decision: RaiseDecision): Promise<RaiseOutcome> {
    if (decision.fresh) {
      const opened = await this.#open(decision);
      if (opened === 'replay') return REPLAY;
      if (opened) return { entries: [opened], replay: false };
    }
    return this.db.transaction().execute(async (trx) => {
      const locked = await lockUnresolved(trx, decision);
      if (locked.replay) return REPLAY;
      const existing = locked.alert;
      const plan = planTrigger(existing && { ...existing, source: existing.source as AlertSource, peakScore: existing.peak_score }, decision);
      const at = new Date(decision.at);
      let alert: AlertRow;
      if (plan.kind === 'open') {
        const details: AlertDetails = { message: decision.message, sources: [decision.source] };
        alert = await trx.insertInto('alerts').values(newAlertRow(decision, plan.severity, plan.peakScore, details)).returningAll().executeTakeFirstOrThrow();
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
      const entries = plan.transition ? await record(trx, [{ alertId: alert.id, fields: fieldsOf(alert), plan: plan.transition, at: decision.at, message: decision.message }]) : [];
      return { entries, replay: false };
    });
  }

  async resolveRules(decisions: readonly ResolveDecision[], actor: string): Promise<readonly OutboxEntry[]> {
    if (decisions.length === 0) return [];
    const col = <T>(f: (d: ResolveDecision) => T): T[] => decisions.map(f);
    return this.db.transaction().execute(async (trx) => {
      // One statement for every alert of the batch: lock, remember the status, resolve.
      const { rows } = await sql<AlertRow & { from_status: AlertStatus; at_ms: number; note: string | null }>`
        with wanted as (
          select * from unnest(${col((d) => deviceKey(d.ref))}::text[], ${col((d) => d.ruleId)}::text[], ${col((d) => d.at)}::float8[], ${col((d) => d.note)}::text[])
            as w(device_id, rule, at_ms, note)
        ),
        cur as (
          select a.id, a.status, w.at_ms, w.note from alerts a join wanted w on a.device_id = w.device_id and a.rule = w.rule
          where a.status = any(${statusesThatCanBecome('resolved')}::text[]) for update of a
        )
        update alerts a set status = 'resolved', updated_at = now(), resolved_at = to_timestamp(c.at_ms / 1000.0)
        from cur c where a.id = c.id
        returning a.*, c.status as from_status, c.at_ms, c.note`.execute(trx);
      const inputs: RecordInput[] = [];
      for (const row of rows) {
        const check = planTransition(row.from_status, 'resolved', actor, row.note);
        if (check.ok) inputs.push({ alertId: row.id, fields: fieldsOf(row), plan: check.plan, at: Number(row.at_ms), message: readDetails(row.details).message });
      }
      return record(trx, inputs);
    });
  }

  async find(alertId: number): Promise<{ rule: string; severity: Severity; status: AlertStatus } | undefined> {
    const row = await this.db.selectFrom('alerts').select(['rule', 'severity', 'status']).where('id', '=', alertId).executeTakeFirst();
    return row && { rule: row.rule, severity: row.severity as Severity, status: row.status as AlertStatus };
  }

  transition(alertId: number, to: AlertStatus, actor: string, note: string | null, at: number): Promise<TransitionOutcome> {
    return this.#transition(sql`id = ${alertId}`, to, actor, note, at);
  }

  async outbox(limit: number): Promise<readonly OutboxEntry[]> {
    const rows = await this.db.selectFrom('alert_outbox').select(['event_id', 'subject', 'payload']).orderBy('event_id').limit(limit).execute();
    return rows.map((r) => ({ eventId: Number(r.event_id), subject: r.subject, payload: r.payload as unknown as AlertEvent }));
  }

  async published(eventIds: readonly number[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db.deleteFrom('alert_outbox').where('event_id', 'in', [...eventIds]).execute();
  }

  forgetAppliedEvents(olderThan: Date, maxBatches?: number): Promise<number> {
    // No order: every row past the cut goes, and the BRIN index finds them without a sort.
    return deleteInBatches(async (limit) => {
      const result = await sql`
        delete from fusion_applied_events where ctid = any(array(
          select ctid from fusion_applied_events where applied_at < ${olderThan} limit ${limit}))`.execute(this.db);
      return Number(result.numAffectedRows ?? 0n);
    }, { maxBatches });
  }

  async unresolved(): Promise<readonly UnresolvedAlert[]> {
    const rows = await this.db.selectFrom('alerts').select(['device_id', 'site', 'rule', 'last_seen']).where('status', '<>', 'resolved').execute();
    return rows.map((r) => ({
      ref: { site: r.site, device: r.device_id.slice(r.site.length + 1) },
      ruleId: r.rule,
      lastSeen: toDate(r.last_seen).getTime(),
    }));
  }

  /**
   * The open transition in one statement. Undefined when nothing was written: (device, rule)
   * already has an unresolved alert, or the source event was applied before — the update path
   * tells the two apart under its lock. `replay` when a concurrent application of the same
   * event (another replica, a redelivery) won the race.
   */
  async #open(decision: RaiseDecision): Promise<OutboxEntry | 'replay' | undefined> {
    const plan = planTrigger(undefined, decision);
    if (plan.kind !== 'open') return undefined;
    const details: AlertDetails = { message: decision.message, sources: [decision.source] };
    const row = newAlertRow(decision, plan.severity, plan.peakScore, details);
    const fields: AlertFields = { ref: decision.ref, rule: decision.ruleId, severity: plan.severity, title: decision.title, count: 1, peakScore: plan.peakScore, source: decision.source };
    const input: RecordInput = { alertId: null, fields, plan: plan.transition, at: decision.at, message: decision.message };
    const key = decision.sourceEvent;
    const applied = key === undefined ? sql`` : sql`
      applied as (
        insert into fusion_applied_events (device_id, rule, source_event, applied_at)
        select ${row.device_id}, ${row.rule}, ${key}, ${new Date(decision.at)}::timestamptz from opened
      ),`;
    const notApplied = key === undefined ? sql`` : sql`
        where not exists (select 1 from fusion_applied_events where device_id = ${row.device_id} and rule = ${row.rule} and source_event = ${key})`;
    try {
      const { rows } = await sql<RecordedRow>`
        with opened as (
          insert into alerts (device_id, site, rule, severity, status, source, title, first_seen, last_seen, count, peak_score, details)
          select ${row.device_id}, ${row.site}, ${row.rule}, ${row.severity}, 'open', ${row.source}, ${row.title},
                 ${row.first_seen}::timestamptz, ${row.last_seen}::timestamptz, 1, ${row.peak_score}::float8, ${row.details}::jsonb
          ${notApplied}
          on conflict (device_id, rule) where status <> 'resolved' do nothing
          returning id
        ),
        ${applied}
        ${recordSql([input], sql`(select id from opened)`)}`.execute(this.db);
      return rows[0] && entryOf(rows[0], input);
    } catch (err) {
      // The only unique key this statement can violate (the alert's conflict is "do nothing",
      // the event ids are new): the same event, applied by someone else since the check above.
      // The whole statement rolled back, alert included.
      if (key !== undefined && isUniqueViolation(err)) return 'replay';
      throw err;
    }
  }

  /** Moves the alert `where` selects (locked) to `to`, if the lifecycle allows it, and records the transition. */
  #transition(where: RawBuilder<unknown>, to: AlertStatus, actor: string, note: string | null, at: number): Promise<TransitionOutcome> {
    return this.db.transaction().execute(async (trx) => {
      // One statement: lock the alert, remember its status, move it if that status allows.
      const { rows } = await sql<AlertRow & { from_status: AlertStatus; moved: boolean }>`
        with cur as (select id, status from alerts where ${where} for update),
        moved as (
          update alerts a set status = ${to}, updated_at = now(), resolved_at = ${to === 'resolved' ? new Date(at) : null}::timestamptz
          from cur c where a.id = c.id and c.status = any(${statusesThatCanBecome(to)}::text[])
          returning a.*
        )
        select coalesce(m.id, a.id) as id, a.device_id, a.site, a.rule, a.severity, coalesce(m.status, a.status) as status, a.source, a.title,
               a.count, a.peak_score, a.details, c.status as from_status, m.id is not null as moved
        from cur c join alerts a on a.id = c.id left join moved m on m.id = c.id`.execute(trx);
      const alert = rows[0];
      if (!alert) return { kind: 'not_found' } as const;
      const check = planTransition(alert.from_status, to, actor, note);
      if (!check.ok || !alert.moved) return { kind: 'invalid', status: alert.from_status, reason: check.ok ? `alert is ${alert.from_status}` : check.reason } as const;
      const [entry] = await record(trx, [{ alertId: alert.id, fields: fieldsOf(alert), plan: check.plan, at, message: readDetails(alert.details).message }]);
      return { kind: 'done', entry: entry! } as const;
    });
  }
}

/** What `recordSql` returns: the outbox row with the ids the database chose. */
interface RecordedRow {
  readonly event_id: string | number;
  readonly alert_id: string;
}

function newAlertRow(decision: RaiseDecision, severity: Severity, peakScore: number | null, details: AlertDetails) {
  const at = new Date(decision.at);
  return {
    device_id: deviceKey(decision.ref),
    site: decision.ref.site,
    rule: decision.ruleId,
    severity,
    status: 'open' as const,
    source: decision.source,
    title: decision.title,
    first_seen: at,
    last_seen: at,
    count: 1,
    peak_score: peakScore,
    details: JSON.stringify(details),
  };
}

const REPLAY: RaiseOutcome = Object.freeze({ entries: [], replay: true });

/**
 * Locks the unresolved alert of the decision's (device, rule), if any, and records its source
 * event in the same statement: `replay` when the event was there already (a concurrent
 * insert of the same key waits for the other transaction, then counts as there).
 */
async function lockUnresolved(trx: Transaction<Database>, decision: RaiseDecision): Promise<{ replay: true } | { replay: false; alert: AlertRow | undefined }> {
  const deviceId = deviceKey(decision.ref);
  if (decision.sourceEvent === undefined) {
    const alert = await trx.selectFrom('alerts').selectAll().where('device_id', '=', deviceId).where('rule', '=', decision.ruleId).where('status', '<>', 'resolved').forUpdate().executeTakeFirst();
    return { replay: false, alert };
  }
  const { rows } = await sql<Partial<AlertRow> & { first_time: boolean }>`
    with applied as (
      insert into fusion_applied_events (device_id, rule, source_event, applied_at)
      values (${deviceId}, ${decision.ruleId}, ${decision.sourceEvent}, ${new Date(decision.at)}::timestamptz)
      on conflict do nothing
      returning 1
    ),
    cur as (select * from alerts where device_id = ${deviceId} and rule = ${decision.ruleId} and status <> 'resolved' for update)
    select exists (select 1 from applied) as first_time, cur.* from (select 1) as one left join cur on true`.execute(trx);
  const { first_time: firstTime, ...alert } = rows[0]!;
  if (!firstTime) return { replay: true };
  return { replay: false, alert: alert.id === null || alert.id === undefined ? undefined : (alert as AlertRow) };
}

/** One transition to record: the alert (its id, or null for the id an earlier CTE returns), what it says, and the plan. */
interface RecordInput {
  readonly alertId: string | number | null;
  readonly fields: AlertFields;
  readonly plan: TransitionPlan;
  readonly at: number;
  readonly message: string;
}

/** Writes the `alert_events` rows and their outbox entries in one statement; each event id makes its idempotency key. */
async function record(trx: Transaction<Database>, inputs: readonly RecordInput[]): Promise<OutboxEntry[]> {
  if (inputs.length === 0) return [];
  const { rows } = await sql<RecordedRow>`with ${recordSql(inputs)}`.execute(trx);
  const byAlert = new Map(inputs.map((i) => [String(i.alertId), i]));
  return rows.map((row) => entryOf(row, byAlert.get(row.alert_id)!)).sort((a, b) => a.eventId - b.eventId);
}

/**
 * The CTE tail that inserts the events and outbox entries of `inputs` (at most one per alert)
 * and returns their ids. An input without an alert id takes `fallbackId`, a SQL expression (the
 * id an earlier CTE returned, or null: then nothing is written). The payload is built here once;
 * the database adds `alertId` and `idempotencyKey`, which depend on the ids it assigns, so the
 * stored and the published payload are the same object.
 */
function recordSql(inputs: readonly RecordInput[], fallbackId: RawBuilder<unknown> = sql`null::int8`): RawBuilder<unknown> {
  const col = <T>(f: (i: RecordInput) => T): T[] => inputs.map(f);
  const alertId = sql`coalesce(i.alert_id, ${fallbackId})`;
  return sql`
    input as (
      select * from unnest(
        ${col((i) => (i.alertId === null ? null : String(i.alertId)))}::int8[], ${col((i) => i.at)}::float8[],
        ${col((i) => (i.plan.from === 'none' ? null : i.plan.from))}::text[], ${col((i) => i.plan.to)}::text[],
        ${col((i) => i.plan.actor)}::text[], ${col((i) => i.plan.note)}::text[],
        ${col((i) => busSubjects.alerts.subject(i.fields.severity, i.fields.ref))}::text[],
        ${col((i) => JSON.stringify(payloadWithoutIds(i)))}::text[]
      ) with ordinality as i(alert_id, at_ms, from_status, to_status, actor, note, subject, payload, ord)
    ),
    event as (
      insert into alert_events (alert_id, time, from_status, to_status, actor, note)
      select ${alertId}, to_timestamp(i.at_ms / 1000.0), i.from_status, i.to_status, i.actor, i.note
      from input i where ${alertId} is not null order by i.ord
      returning id, alert_id
    )
    insert into alert_outbox (event_id, subject, payload)
    select e.id, i.subject, i.payload::jsonb || jsonb_build_object('alertId', e.alert_id::text, 'idempotencyKey', e.alert_id::text || ':' || e.id::text)
    from event e join input i on ${alertId} = e.alert_id
    returning event_id, payload->>'alertId' as alert_id`;
}

function entryOf(row: RecordedRow, input: RecordInput): OutboxEntry {
  const eventId = Number(row.event_id);
  const payload: AlertEvent = { alertId: row.alert_id, ...payloadWithoutIds(input), idempotencyKey: `${row.alert_id}:${eventId}` };
  return { eventId, subject: busSubjects.alerts.subject(input.fields.severity, input.fields.ref), payload };
}

function payloadWithoutIds({ fields: alert, plan, at, message }: RecordInput): Omit<AlertEvent, 'alertId' | 'idempotencyKey'> {
  return {
    ...alert.ref,
    rule: alert.rule,
    severity: alert.severity,
    from: plan.from,
    to: plan.to,
    ts: at,
    count: alert.count,
    peakScore: alert.peakScore,
    message: `${alert.title}: ${message}`.slice(0, 1000),
    source: alert.source,
    actor: plan.actor.slice(0, 128),
    ...(plan.note === null ? {} : { note: plan.note.slice(0, 1000) }),
    ...(plan.previousSeverity ? { previousSeverity: plan.previousSeverity } : {}),
  };
}

function fieldsOf(row: Pick<AlertRow, 'site' | 'device_id' | 'rule' | 'severity' | 'title' | 'count' | 'peak_score' | 'source'>): AlertFields {
  return {
    ref: { site: row.site, device: row.device_id.slice(row.site.length + 1) },
    rule: row.rule,
    severity: row.severity as Severity,
    title: row.title,
    count: row.count,
    peakScore: row.peak_score,
    source: row.source as AlertSource,
  };
}

function readDetails(details: Json | null): AlertDetails {
  const d = (typeof details === 'string' ? JSON.parse(details) : details) as Partial<AlertDetails> | null;
  return { message: typeof d?.message === 'string' ? d.message : '', sources: Array.isArray(d?.sources) ? d.sources : [] };
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
