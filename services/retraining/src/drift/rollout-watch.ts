import type { Kysely } from 'kysely';
import { deviceKey, FRAME_KINDS, type DeviceRef, type FrameKind, type ModelHealthEvent, type ModelPromotedEvent, type ScoreEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Database, Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ModelRegistry } from '@premonitor/registry';
import type { Clock } from '@premonitor/time';
import { binOf, populationStabilityIndex } from './distribution-distance.js';
import { rolloutRepository, type RolloutTally } from './rollout-repository.js';
import { scoreReferenceRepository, type ScoreReference } from './score-reference.js';

/** How a promoted model is watched (ROLLOUT_* in the config). */
export interface RolloutSettings {
  readonly watchMs: number;
  /** Fewest frames of the new model (all devices) before a rollback may be decided. */
  readonly minFrames: number;
  /** Fewest frames of one device before its over-threshold share counts. */
  readonly minDeviceFrames: number;
  /** Largest rise of a device's share of frames over the alert score above the previous model's reference share. */
  readonly maxOverRateRise: number;
  /** Largest PSI of the new model's scores against the previous model's reference. */
  readonly maxPsi: number;
  readonly alertScore: number;
}

/** Collaborators of {@link RolloutWatch}. */
export interface RolloutWatchDeps {
  readonly db: Kysely<Database>;
  readonly bus: Bus;
  readonly registry: Pick<ModelRegistry, 'production' | 'rollback'>;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: Logger;
}

/** What this replica knows of a kind's open watch; the counts live in the database. */
interface Watch {
  readonly id: number;
  readonly kind: FrameKind;
  readonly version: string;
  readonly previousVersion: string;
  /** The previous model's reference; without one the watch can only pass. */
  readonly reference: ScoreReference | undefined;
}

/** How long a replica trusts "no open watch for this version" before it looks in the database again. */
const RECHECK_MS = 1_000;

/**
 * The rollout watch (issue 14, item 5): after any promotion of a frame kind's model, for
 * `watchMs`, the new model's live scores are compared with the previous model's reference — per
 * device, the share of frames over the alert score against the reference's share; kind-wide,
 * the PSI of the score distribution. Once `minFrames` frames were seen, a device whose share
 * rose by more than `maxOverRateRise` (with `minDeviceFrames` frames), or a PSI above `maxPsi`,
 * rolls the kind back by itself (the registry's rollback), records why in `model_rollouts` and
 * the audit trail, and publishes `pm.model-health.{kind}.{site}.{device}` (`rollback`, the
 * device that changed most) for fusion's INFO alert. A watch that ends without either is passed.
 *
 * The watch and its counts live in the database (`model_rollouts`, `model_rollout_devices`,
 * `model_rollout_bins`): replicas sharing the scores consumer each count their frames into the
 * same watch and judge the same totals; a replica that did not hear the promotion finds the open
 * watch when frames of its version arrive; a restart continues the watch where it was. A rollback
 * is claimed by a conditional update (`rollback_claimed_at`), so exactly one replica makes it
 * and publishes it; the others stop counting. Any replica ends a watch whose time is up.
 */
export class RolloutWatch {
  readonly #deps: RolloutWatchDeps;
  readonly #settings: RolloutSettings;
  readonly #watches = new Map<FrameKind, Watch>();
  /** When this replica last looked for a kind's open watch. */
  readonly #checkedAt = new Map<FrameKind, number>();
  /** Rollback events whose publish failed: retried at every tick until the bus takes them. */
  readonly #unpublished: Extract<ModelHealthEvent, { event: 'rollback' }>[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: RolloutWatchDeps, settings: RolloutSettings) {
    this.#deps = deps;
    this.#settings = Object.freeze({ ...settings });
  }

  /** Resumes the watches left open (by a previous life or another replica), and ends those whose time is up every few seconds. */
  async start(): Promise<void> {
    for (const row of await rolloutRepository.watching(this.#deps.db)) {
      if (!(FRAME_KINDS as readonly string[]).includes(row.kind) || row.previous_version === null) continue;
      this.#watches.set(row.kind as FrameKind, await this.#watch(Number(row.id), row.kind as FrameKind, row.version, row.previous_version));
    }
    this.#timer = setInterval(() => void this.#expire().catch((err: unknown) => this.#deps.logger.warn({ err }, 'rollout watch: ending watches failed; retrying')), Math.min(5_000, this.#settings.watchMs));
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** A promotion (any path): the kind's open watch is superseded and the new model watched. */
  async promoted(event: ModelPromotedEvent): Promise<void> {
    if (!(FRAME_KINDS as readonly string[]).includes(event.kind)) return;
    const kind = event.kind as FrameKind;
    const { db } = this.#deps;
    // Another registry's event on a shared bus, or an event overtaken by a later promotion.
    if ((await this.#deps.registry.production(kind))?.version !== event.version) return;
    // A watch's own rollback (by any replica): comparing the restored model with itself would say nothing.
    if (event.previousVersion !== null && (await rolloutRepository.restoredByWatch(db, kind, event.version, event.previousVersion))) return;
    const now = this.#deps.clock.now();
    await rolloutRepository.supersede(db, kind, event.version, new Date(now));
    this.#watches.delete(kind);
    if (event.previousVersion === null) return void this.#deps.logger.info({ kind, version: event.version }, 'rollout watch: a first model has nothing to roll back to; not watched');
    const endsAt = now + this.#settings.watchMs;
    // Another replica that heard the same promotion may have opened it: then it is that one.
    const id = await rolloutRepository.open(db, { kind, version: event.version, previousVersion: event.previousVersion, startedAt: new Date(now), endsAt: new Date(endsAt) });
    const watch = await this.#watch(id, kind, event.version, event.previousVersion);
    this.#watches.set(kind, watch);
    this.#deps.logger.info({ kind, version: event.version, previous: event.previousVersion, until: new Date(endsAt).toISOString(), reference: watch.reference?.source ?? null }, 'rollout watch started');
  }

  /** One score of a watched model: counted into its watch, whose totals are then judged. */
  async observe(event: ScoreEvent): Promise<void> {
    const watch = await this.#current(event.kind, event.modelVersion);
    if (!watch) return;
    const { reference } = watch;
    const frame = { deviceId: deviceKey(event), site: event.site, device: event.device, over: event.score > this.#settings.alertScore, bin: reference ? binOf(event.score, reference.edges) : undefined };
    const frames = await rolloutRepository.count(this.#deps.db, watch.id, frame);
    // Ended meanwhile (passed, superseded, or being rolled back by a replica): nothing more to count.
    if (frames === undefined) return void this.#forget(watch);
    if (!reference || frames < this.#settings.minFrames) return;
    const verdict = this.#judge(watch, reference, frames, await rolloutRepository.tally(this.#deps.db, watch.id, reference.edges.length + 1));
    if (verdict) await this.#rollBack(watch, verdict);
  }

  /** The open watch of `kind` if it watches `version`: this replica's, or one found in the database (opened by another replica, or before a restart). */
  async #current(kind: FrameKind, version: string): Promise<Watch | undefined> {
    const known = this.#watches.get(kind);
    if (known?.version === version) return known;
    const now = this.#deps.clock.now();
    if (now - (this.#checkedAt.get(kind) ?? -Infinity) < RECHECK_MS) return undefined;
    this.#checkedAt.set(kind, now);
    const row = await rolloutRepository.watchingOf(this.#deps.db, kind);
    if (!row || row.previous_version === null || row.rollback_claimed_at !== null) return void this.#watches.delete(kind);
    const found = known?.id === Number(row.id) ? known : await this.#watch(Number(row.id), kind, row.version, row.previous_version);
    this.#watches.set(kind, found);
    return found.version === version ? found : undefined;
  }

  #forget(watch: Watch): void {
    if (this.#watches.get(watch.kind)?.id === watch.id) this.#watches.delete(watch.kind);
  }

  #judge(watch: Watch, reference: ScoreReference, frames: number, tally: RolloutTally): { reasons: string[]; worst: DeviceRef; figures: Record<string, Json> } | undefined {
    const reasons: string[] = [];
    let worst: { ref: DeviceRef; rise: number } | undefined;
    // The device a kind-wide verdict is published on when no device has minDeviceFrames yet: a
    // fleet of many devices reaches minFrames long before any one device does (40 devices at 20
    // frames each: 800 frames), and the PSI rule must not wait for that.
    let highest: { ref: DeviceRef; rate: number } | undefined;
    const devices: Record<string, Json> = {};
    for (const d of tally.devices) {
      const ref = { site: d.site, device: d.device };
      const rate = d.over / d.frames;
      if (!highest || rate > highest.rate) highest = { ref, rate };
      if (d.frames < this.#settings.minDeviceFrames) continue;
      const rise = rate - reference.overRate;
      devices[d.deviceId] = { frames: d.frames, overRate: round(rate) };
      if (!worst || rise > worst.rise) worst = { ref, rise };
      if (rise > this.#settings.maxOverRateRise) {
        reasons.push(`${d.deviceId}: ${pct(rate)} of ${d.frames} frames scored above ${this.#settings.alertScore} against ${pct(reference.overRate)} for ${watch.previousVersion} (a rise of ${pct(rise)}, more than ${pct(this.#settings.maxOverRateRise)})`);
      }
    }
    const psi = populationStabilityIndex(reference.shares, tally.counts);
    if (psi > this.#settings.maxPsi) reasons.push(`score distribution PSI ${psi.toFixed(3)} against ${watch.previousVersion}'s reference over ${frames} frames (more than ${this.#settings.maxPsi})`);
    const target = worst?.ref ?? highest?.ref;
    if (reasons.length === 0 || !target) return undefined;
    return { reasons, worst: target, figures: { frames, psi: round(psi), referenceOverRate: round(reference.overRate), referenceSource: reference.source, devices } };
  }

  async #rollBack(watch: Watch, verdict: { reasons: string[]; worst: DeviceRef; figures: Record<string, Json> }): Promise<void> {
    const { kind, version } = watch;
    const { db } = this.#deps;
    const log = this.#deps.logger.child({ kind, version });
    // One replica decides: the others' frames find the watch claimed and stop counting.
    if (!(await rolloutRepository.claimRollback(db, watch.id, new Date(this.#deps.clock.now())))) return void this.#forget(watch);
    this.#forget(watch);
    const frames = Number(verdict.figures['frames']);
    try {
      if ((await this.#deps.registry.production(kind))?.version !== version) {
        await rolloutRepository.decide(db, watch.id, 'superseded', frames, { reasons: ['production changed during the watch'] }, new Date(this.#deps.clock.now()));
        return;
      }
      const reason = `rolled back by the rollout watch: ${verdict.reasons.join('; ')}`.slice(0, 1000);
      // The reason goes into the registry's model_history too.
      const restored = await this.#deps.registry.rollback(kind, '', { reason });
      const now = this.#deps.clock.now();
      const decision = { ...verdict.figures, reasons: verdict.reasons, restoredVersion: restored.version };
      await rolloutRepository.decide(db, watch.id, 'rolled_back', frames, decision, new Date(now));
      await db
        .insertInto('audit_events')
        .values({ actor: 'retraining:rollout-watch', action: 'model rollback', target: `/api/v1/models/${kind}/rollback`, status: 200, remote_addr: null, detail: JSON.stringify({ from: version, to: restored.version, reasons: verdict.reasons }) })
        .execute();
      log.warn({ restored: restored.version, reasons: verdict.reasons, frames }, 'rollout watch rolled the model back');
      this.#unpublished.push({ event: 'rollback', site: verdict.worst.site, device: verdict.worst.device, kind, modelVersion: version, restoredVersion: restored.version, reason, frames, ts: Math.floor(now) });
    } catch (err) {
      // Nothing to roll back to, or the previous model fails its check now: keep it, say so loudly.
      // The claim stays: no replica tries again; the watch ends at its time saying so.
      log.error({ err, reasons: verdict.reasons }, 'rollout watch could not roll the model back; it stays in production');
      return;
    }
    await this.#publishRollbacks();
  }

  /** Publishes the rollback events not yet on the bus, oldest first; a failure waits for the next tick. */
  async #publishRollbacks(): Promise<void> {
    while (this.#unpublished.length > 0) {
      const event = this.#unpublished[0]!;
      try {
        await publishEvent(this.#deps.bus, 'modelHealth', [event.kind, event], event, { msgId: `${event.kind}.rollback.${event.modelVersion}` });
      } catch (err) {
        return void this.#deps.logger.warn({ err, kind: event.kind, version: event.modelVersion }, 'rollback event not published yet; retrying at the next tick');
      }
      this.#unpublished.shift();
    }
  }

  /** Ends every open watch whose time is up (whichever replica looks first; the decision is conditional). */
  async #expire(): Promise<void> {
    await this.#publishRollbacks();
    const now = this.#deps.clock.now();
    for (const row of await rolloutRepository.watching(this.#deps.db)) {
      if (now < row.ends_at.getTime()) continue;
      const kind = row.kind as FrameKind;
      const known = this.#watches.get(kind);
      const watch = known?.id === Number(row.id) ? known : undefined;
      if (watch) this.#forget(watch);
      const reference = row.previous_version === null ? undefined : (watch?.reference ?? (await scoreReferenceRepository.get(this.#deps.db, kind, row.previous_version)));
      const note =
        row.rollback_claimed_at !== null
          ? 'a rollback was decided but could not be made (see the log): the model stayed in production'
          : !reference
            ? `${row.previous_version} has no reference score distribution: nothing to compare with`
            : row.frames < this.#settings.minFrames
              ? `only ${row.frames} frames (fewer than ${this.#settings.minFrames}): too few to judge`
              : 'within every threshold';
      if (await rolloutRepository.decide(this.#deps.db, Number(row.id), 'passed', row.frames, { reasons: [note] }, new Date(now))) {
        this.#deps.logger.info({ kind, version: row.version, frames: row.frames, note }, 'rollout watch passed');
      }
    }
  }

  async #watch(id: number, kind: FrameKind, version: string, previousVersion: string): Promise<Watch> {
    const reference = await scoreReferenceRepository.get(this.#deps.db, kind, previousVersion);
    return { id, kind, version, previousVersion, reference };
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
