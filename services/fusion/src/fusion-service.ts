import { deviceKey, type DeviceRef, type ReportScoredEvent } from '@premonitor/contracts';
import { MAINTENANCE_REPORT_RULE, maintenanceReportDecision } from './maintenance-report-rule.js';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Logger } from '@premonitor/log';
import type { Clock, TimerHandle } from '@premonitor/time';
import type { AlertStatus } from './alert-lifecycle.js';
import type { AlertStore, OutboxEntry, TransitionOutcome } from './alert-store.js';
import type { FusionEngine } from './fusion-engine.js';
import type { FusionMetrics } from './fusion-metrics.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { KeyedSerial } from './keyed-serial.js';
import { OutboxCleaner } from './outbox-cleaner.js';
import type { Decision, ResolveDecision, Signal } from './signals.js';
import { sourceEventKey } from './source-event.js';

/** Collaborators of the fusion service. */
export interface FusionServiceOptions {
  readonly engine: FusionEngine;
  readonly store: AlertStore;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: FusionMetrics;
  /** How often time-driven rules (silence, quiet periods) and the outbox are checked, ms. */
  readonly tickMs: number;
}

const OUTBOX_BATCH = 500;
/** Devices whose tick raises (a fleet falling silent at once) are applied at once, leaving connections for events. */
const TICK_CONCURRENCY = 2;

/**
 * Fusion's logic around the engine: applies its decisions to the alert store, publishes each
 * recorded transition on `pm.alerts.*`, and drives the engine's clock-based rules. A call
 * resolves only once the database write and the publish are done, so callers ack after it.
 */
export class FusionService {
  readonly #o: FusionServiceOptions;
  readonly #serial = new KeyedSerial();
  readonly #cleaner: OutboxCleaner;
  readonly #tickSlots = new ConcurrencyLimit(TICK_CONCURRENCY);
  #timer: TimerHandle | undefined;
  #ticking: Promise<void> | undefined;
  #running = false;

  constructor(options: FusionServiceOptions) {
    this.#o = options;
    this.#cleaner = new OutboxCleaner(
      (ids) => options.store.published(ids),
      (err) => options.logger.warn({ err }, 'could not delete published outbox entries; they are published again (a no-op) at the next sweep'),
    );
  }

  /**
   * Resumes unresolved alerts in the engine (those of the devices `owns` picks: a replica
   * sharing the work by partition adopts the others as it gains their partitions), publishes
   * leftovers, then starts ticking.
   */
  async start(owns: (ref: DeviceRef) => boolean = () => true): Promise<void> {
    await this.adopt(owns);
    await this.flushOutbox();
    this.#running = true;
    this.#schedule();
  }

  /** Resumes the unresolved alerts of the devices `owns` picks, so they auto-resolve and are watched for silence here. */
  async adopt(owns: (ref: DeviceRef) => boolean): Promise<void> {
    const now = this.#o.clock.now();
    for (const alert of await this.#o.store.unresolved()) if (owns(alert.ref)) this.#o.engine.restore(alert.ref, alert.ruleId, alert.lastSeen, now);
  }

  /**
   * Forgets the devices `owns` picks (another replica watches them now). The caller has let
   * their events in flight settle; a tick under way finishes first.
   */
  async release(owns: (ref: DeviceRef) => boolean): Promise<void> {
    await this.#ticking;
    this.#o.engine.forgetDevices(owns);
  }

  /** Stops ticking and waits for work in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    await this.#serial.idle();
    await this.#cleaner.idle();
  }

  /**
   * Applies one validated event: engine decisions, database, bus. Safe to call again with the
   * same event (a redelivery): its raises carry the event's key and the store applies each once.
   */
  async handle(signal: Signal): Promise<void> {
    this.#o.metrics.eventsIn.inc({ type: signal.type });
    const ref = { site: signal.event.site, device: signal.event.device };
    const sourceEvent = sourceEventKey(signal);
    if (signal.type === 'report') return this.#serial.run(deviceKey(ref), () => this.#report(signal.event));
    await this.#serial.run(deviceKey(ref), async () => {
      // The engine still observes a replayed event: its in-memory windows were lost with the
      // process that applied it first, and replaying rebuilds them; only the store skips it.
      const decisions = this.#o.engine.observe(signal, this.#o.clock.now());
      await this.#apply(decisions.map((d) => (d.type === 'raise' ? { ...d, sourceEvent } : d)), signal.type);
    });
  }

  /** One round of time-driven decisions plus an outbox sweep; the timer calls it. */
  async tick(): Promise<void> {
    const decisions = this.#o.engine.tick(this.#o.clock.now());
    const resolves = decisions.filter((d): d is ResolveDecision => d.type === 'resolve');
    const raises = decisions.filter((d) => d.type === 'raise');
    const work: Promise<void>[] = [];
    if (resolves.length > 0) {
      // A whole fleet's auto-resolves in one transaction: one by one they would occupy every pool
      // connection while alerts raised meanwhile waited (measured: p99 publish → webhook 156 ms
      // with 100 resolves per tick; bench/README.md). Queued behind each device's earlier events.
      const keys = [...new Set(resolves.map((d) => deviceKey(d.ref)))];
      work.push(this.#serial.runAll(keys, async () => this.#publish(await this.#o.store.resolveRules(resolves, 'system'))));
    }
    const byDevice = new Map<string, Decision[]>();
    for (const d of raises) byDevice.set(deviceKey(d.ref), [...(byDevice.get(deviceKey(d.ref)) ?? []), d]);
    // Queued on each device's serial now (so they stay in order with its events), applied a few at a time.
    for (const [key, list] of byDevice) work.push(this.#serial.run(key, () => this.#tickSlots.run(() => this.#apply(list, 'tick'))));
    await Promise.all(work);
    await this.flushOutbox();
  }

  /** An operator's acknowledge or resolve, recorded and published like every transition. */
  async transition(alertId: number, ref: DeviceRef | undefined, ruleId: string | undefined, to: AlertStatus, actor: string, note: string | null): Promise<TransitionOutcome> {
    const run = async () => {
      const outcome = await this.#o.store.transition(alertId, to, actor, note, this.#o.clock.now());
      if (outcome.kind === 'done') {
        await this.#publish([outcome.entry]);
        if (to === 'resolved' && ref && ruleId) this.#o.engine.forget(ref, ruleId);
      }
      return outcome;
    };
    return ref ? this.#serial.run(deviceKey(ref), run) : run();
  }

  /** Publishes transitions recorded but not yet published (after a crash or a failed publish). */
  async flushOutbox(): Promise<void> {
    // Entries published but not yet deleted would otherwise be read and published once more.
    await this.#cleaner.idle();
    for (;;) {
      const entries = await this.#o.store.outbox(OUTBOX_BATCH);
      if (entries.length === 0) return;
      await this.#publish(entries);
      await this.#cleaner.idle();
      if (entries.length < OUTBOX_BATCH) return;
    }
  }

  /**
   * The maintenance-report rule, outside the engine: it acts on the alert a report names, which
   * only the store knows. The engine is told about an alert it opens, so a restart or reload
   * treats it like any other (it stays until someone resolves it).
   */
  async #report(event: ReportScoredEvent): Promise<void> {
    const linked = event.alertId === null ? undefined : await this.#o.store.find(Number(event.alertId));
    const now = this.#o.clock.now();
    const decision = maintenanceReportDecision(event, linked, now);
    if (!decision) return;
    await this.#apply([decision], 'report');
    if (decision.ruleId === MAINTENANCE_REPORT_RULE) this.#o.engine.restore(decision.ref, decision.ruleId, now, now);
  }

  async #apply(decisions: readonly Decision[], cause: Signal['type'] | 'tick'): Promise<void> {
    for (const d of decisions) {
      if (d.type === 'resolve') {
        await this.#publish(await this.#o.store.resolveRules([d], 'system'));
        continue;
      }
      const outcome = await this.#o.store.raise(d);
      if (outcome.replay) this.#o.metrics.replays.inc({ type: cause });
      await this.#publish(outcome.entries);
    }
  }

  async #publish(entries: readonly OutboxEntry[]): Promise<void> {
    // All in flight at once: one connection sends them in this (event id) order, so an alert's
    // transitions reach the stream in order; waiting for each ack in turn would cost a round
    // trip per transition (a tick's batch of auto-resolves, an outbox sweep).
    await Promise.all(
      entries.map(async (entry) => {
        // The bus dedup id makes an outbox re-send a no-op. Alert ids are only unique within one
        // database, so the device is part of it: two databases on one bus (tests, a restore) never collide.
        const { site, device, idempotencyKey } = entry.payload;
        await publishEvent(this.#o.bus, 'alerts', entry.subject, entry.payload, { msgId: `alert.${site}.${device}.${idempotencyKey}` });
        this.#o.metrics.transitions.inc({ to: entry.payload.to });
      }),
    );
    this.#cleaner.add(entries.map((e) => e.eventId));
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#ticking = this.tick()
        .catch((err: unknown) => this.#o.logger.warn({ err }, 'fusion tick failed; retrying at the next one'))
        .finally(() => {
          this.#ticking = undefined;
          this.#schedule();
        });
    }, this.#o.tickMs);
  }
}
