import type { Kysely } from 'kysely';
import { deviceKey, FRAME_KINDS, type DeviceRef, type FrameKind, type ModelHealthEvent, type ModelPromotedEvent, type ScoreEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Database, Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ModelRegistry } from '@premonitor/registry';
import type { Clock } from '@premonitor/time';
import { binOf, populationStabilityIndex } from './distribution-distance.js';
import { rolloutRepository, type RolloutFrame, type RolloutTally } from './rollout-repository.js';
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
  /** A watch's frames are counted into the database and its totals judged once this many have come… */
  readonly judgeEveryFrames: number;
  /** …or once the oldest uncounted frame is this old (ms), whichever is first; and when the replica stops. */
  readonly judgeEveryMs: number;
  /** A claimed rollback not recorded after this long (ms; its replica died or hung) is taken over by another replica. */
  readonly claimLeaseMs: number;
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

/** Frames this replica saw and has not yet counted into a watch, by frame identity (a redelivery within the batch is one frame). */
interface Pending {
  readonly watch: Watch;
  frames: Map<string, RolloutFrame>;
  /** When the oldest of them came (clock ms). */
  since: number;
}

/** The verdict that decided a rollback, as its claim records it (another replica finishes the rollback from it). */
interface Verdict {
  readonly reasons: string[];
  readonly worst: DeviceRef;
  readonly figures: Record<string, Json>;
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
 * watch when frames of its version arrive; a restart continues the watch where it was. A replica
 * buffers its frames and counts them in one statement every `judgeEveryFrames` frames or
 * `judgeEveryMs` (and when it stops), then reads the totals and judges them — not a query per
 * frame. A frame counts once however often the bus delivers it (`model_rollout_frames` keys it
 * by device, `seq` and `ts`). A crash loses the uncounted frames of the last batch (acknowledged
 * on the bus, so not redelivered): the watch judges fewer frames, never wrong counts. A rollback
 * is claimed by a conditional update (`rollback_claimed_at`, with its verdict), so exactly one
 * replica makes it and publishes it; the others stop counting. A claim not recorded as done
 * within `claimLeaseMs` (its replica died) is taken over by another replica, which finishes the
 * rollback from the recorded verdict — idempotently: the registry rolls back only from the
 * watched version. Any replica ends a watch whose time is up.
 */
export class RolloutWatch {
  readonly #deps: RolloutWatchDeps;
  readonly #settings: RolloutSettings;
  readonly #watches = new Map<FrameKind, Watch>();
  /** When this replica last looked for a kind's open watch. */
  readonly #checkedAt = new Map<FrameKind, number>();
  /** This replica's uncounted frames, by watch id. */
  readonly #pending = new Map<number, Pending>();
  /** Rollback events whose publish failed: retried at every tick until the bus takes them. */
  readonly #unpublished: Extract<ModelHealthEvent, { event: 'rollback' }>[] = [];
  #timers: NodeJS.Timeout[] = [];

  constructor(deps: RolloutWatchDeps, settings: RolloutSettings) {
    this.#deps = deps;
    this.#settings = Object.freeze({ ...settings });
  }

  /**
   * Resumes the watches left open (by a previous life or another replica); every few seconds
   * ends those whose time is up and takes over stale rollback claims, and every `judgeEveryMs`
   * counts and judges the frames waiting.
   */
  async start(): Promise<void> {
    for (const row of await rolloutRepository.watching(this.#deps.db)) {
      if (!(FRAME_KINDS as readonly string[]).includes(row.kind) || row.previous_version === null) continue;
      this.#watches.set(row.kind as FrameKind, await this.#watch(Number(row.id), row.kind as FrameKind, row.version, row.previous_version));
    }
    const { logger } = this.#deps;
    this.#timers = [
      setInterval(() => void this.#expire().catch((err: unknown) => logger.warn({ err }, 'rollout watch: ending watches failed; retrying')), Math.min(5_000, this.#settings.watchMs)),
      setInterval(() => void this.#flushAll(this.#settings.judgeEveryMs).catch((err: unknown) => logger.warn({ err }, 'rollout watch: counting frames failed; they wait for the next try')), this.#settings.judgeEveryMs),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  /** Stops the timers, then counts and judges the frames still waiting (a graceful stop loses none while the database answers). */
  async stop(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await this.#flushAll().catch((err: unknown) => {
      const frames = [...this.#pending.values()].reduce((n, p) => n + p.frames.size, 0);
      this.#deps.logger.error({ err, frames }, 'rollout watch: frames could not be counted at the stop; they are lost to the watch');
    });
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

  /**
   * One score of a watched model: kept for its watch; once `judgeEveryFrames` frames wait or the
   * oldest waited `judgeEveryMs`, they are counted and the watch's totals judged.
   */
  async observe(event: ScoreEvent): Promise<void> {
    const watch = await this.#current(event.kind, event.modelVersion);
    if (!watch) return;
    const { reference } = watch;
    const now = this.#deps.clock.now();
    const frame: RolloutFrame = { deviceId: deviceKey(event), site: event.site, device: event.device, seq: event.seq, ts: event.ts, over: event.score > this.#settings.alertScore, bin: reference ? binOf(event.score, reference.edges) : undefined };
    let pending = this.#pending.get(watch.id);
    if (!pending) this.#pending.set(watch.id, (pending = { watch, frames: new Map(), since: now }));
    if (pending.frames.size === 0) pending.since = now;
    pending.frames.set(`${frame.deviceId}\u0000${frame.seq}\u0000${frame.ts}`, frame);
    if (pending.frames.size >= this.#settings.judgeEveryFrames || now - pending.since >= this.#settings.judgeEveryMs) await this.#flush(pending);
  }

  /** Counts the waiting frames of every watch (with `olderThanMs`: of those whose oldest waited that long) and judges it. */
  async #flushAll(olderThanMs = 0): Promise<void> {
    const failures: unknown[] = [];
    const now = this.#deps.clock.now();
    for (const pending of [...this.#pending.values()]) if (now - pending.since >= olderThanMs) await this.#flush(pending).catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw new AggregateError(failures, `counting the frames of ${failures.length} rollout watch(es) failed`);
  }

  /** Counts a watch's waiting frames in one statement, then judges its totals (from minFrames on). A failed count keeps the frames waiting. */
  async #flush(pending: Pending): Promise<void> {
    const { watch } = pending;
    const frames = pending.frames;
    if (frames.size === 0) return;
    // Taken before the first await: frames that arrive meanwhile wait for the next batch.
    pending.frames = new Map();
    let total: number | undefined;
    try {
      total = await rolloutRepository.count(this.#deps.db, watch.id, [...frames.values()]);
    } catch (err) {
      for (const [key, frame] of frames) pending.frames.set(key, frame);
      throw err;
    }
    // Ended meanwhile (passed, superseded, or being rolled back by a replica): nothing more to count.
    if (total === undefined) return void this.#forget(watch);
    const { reference } = watch;
    if (!reference || total < this.#settings.minFrames) return;
    const verdict = this.#judge(watch, reference, total, await rolloutRepository.tally(this.#deps.db, watch.id, reference.edges.length + 1));
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
    this.#pending.delete(watch.id);
  }

  #judge(watch: Watch, reference: ScoreReference, frames: number, tally: RolloutTally): Verdict | undefined {
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

  async #rollBack(watch: Watch, verdict: Verdict): Promise<void> {
    // One replica decides: the others' frames find the watch claimed and stop counting.
    const claimed = await rolloutRepository.claimRollback(this.#deps.db, watch.id, { reasons: verdict.reasons, worst: { site: verdict.worst.site, device: verdict.worst.device }, figures: verdict.figures }, new Date(this.#deps.clock.now()));
    this.#forget(watch);
    if (claimed) await this.#finishRollback(watch, verdict);
  }

  /**
   * Makes a claimed rollback and records it. Idempotent, so that a replica taking over a stale
   * claim can run it again: the registry rolls back only from the watched version, and when
   * production is the previous model already (the claimer died after the registry's rollback),
   * the rollback is recorded and published without another.
   */
  async #finishRollback(watch: Pick<Watch, 'id' | 'kind' | 'version' | 'previousVersion'>, verdict: Verdict): Promise<void> {
    const { id, kind, version, previousVersion } = watch;
    const { db } = this.#deps;
    const log = this.#deps.logger.child({ kind, version });
    const frames = Number(verdict.figures['frames']);
    const reason = `rolled back by the rollout watch: ${verdict.reasons.join('; ')}`.slice(0, 1000);
    let restored: string;
    try {
      const production = (await this.#deps.registry.production(kind))?.version;
      if (production !== version && production !== previousVersion) {
        await rolloutRepository.decide(db, id, 'superseded', frames, { reasons: ['production changed during the watch'] }, new Date(this.#deps.clock.now()));
        return;
      }
      // The reason goes into the registry's model_history too.
      restored = production === version ? (await this.#deps.registry.rollback(kind, '', { reason, from: version })).version : production;
    } catch (err) {
      // Nothing to roll back to, or the previous model fails its check now: keep it, say so loudly.
      // The claim stays; after claimLeaseMs a replica tries again (until the watch's end).
      log.error({ err, reasons: verdict.reasons }, 'rollout watch could not roll the model back; it stays in production');
      return;
    }
    const now = this.#deps.clock.now();
    const decision = { ...verdict.figures, reasons: verdict.reasons, restoredVersion: restored };
    // The recorded rollback and its audit row appear together: a reader (or a replica) that sees one sees both.
    const recorded = await db.transaction().execute(async (trx) => {
      if (!(await rolloutRepository.decide(trx, id, 'rolled_back', frames, decision, new Date(now)))) return false;
      await trx
        .insertInto('audit_events')
        .values({ actor: 'retraining:rollout-watch', action: 'model rollback', target: `/api/v1/models/${kind}/rollback`, status: 200, remote_addr: null, detail: JSON.stringify({ from: version, to: restored, reasons: verdict.reasons }) })
        .execute();
      return true;
    });
    if (!recorded) return;
    log.warn({ restored, reasons: verdict.reasons, frames }, 'rollout watch rolled the model back');
    this.#unpublished.push({ event: 'rollback', site: verdict.worst.site, device: verdict.worst.device, kind, modelVersion: version, restoredVersion: restored, reason, frames, ts: Math.floor(now) });
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

  /**
   * Takes over the rollbacks whose claim went stale (until one lease past the watch's end), and
   * ends every open watch whose time is up (whichever replica looks first; the decision is
   * conditional) — after counting and judging this replica's last frames.
   */
  async #expire(): Promise<void> {
    await this.#publishRollbacks();
    await this.#flushAll().catch((err: unknown) => this.#deps.logger.warn({ err }, 'rollout watch: counting frames failed; they wait for the next try'));
    const now = this.#deps.clock.now();
    const lease = this.#settings.claimLeaseMs;
    for (const row of await rolloutRepository.watching(this.#deps.db)) {
      const kind = row.kind as FrameKind;
      const claimedAt = row.rollback_claimed_at?.getTime();
      const stale = claimedAt !== undefined && now - claimedAt >= lease;
      if (stale && row.previous_version !== null && now < row.ends_at.getTime() + lease) {
        const verdict = verdictOf(await rolloutRepository.reclaimRollback(this.#deps.db, Number(row.id), new Date(now - lease), new Date(now)));
        if (verdict) {
          this.#deps.logger.warn({ kind, version: row.version, claimedAt: row.rollback_claimed_at }, 'rollout watch: a rollback claimed and not recorded; taking it over');
          await this.#finishRollback({ id: Number(row.id), kind, version: row.version, previousVersion: row.previous_version }, verdict);
        }
        continue;
      }
      if (now < row.ends_at.getTime()) continue;
      // A rollback in flight on another replica records its own outcome.
      if (claimedAt !== undefined && !stale) continue;
      const known = this.#watches.get(kind);
      const watch = known?.id === Number(row.id) ? known : undefined;
      if (watch) this.#forget(watch);
      const reference = row.previous_version === null ? undefined : (watch?.reference ?? (await scoreReferenceRepository.get(this.#deps.db, kind, row.previous_version)));
      const note =
        claimedAt !== undefined
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

/** The verdict a claim recorded (`decision` while the watch is open), or undefined when it is not one. */
function verdictOf(decision: Json | undefined): Verdict | undefined {
  if (typeof decision !== 'object' || decision === null || Array.isArray(decision)) return undefined;
  const { reasons, worst, figures } = decision as Record<string, Json>;
  if (!Array.isArray(reasons) || typeof worst !== 'object' || worst === null || Array.isArray(worst) || typeof figures !== 'object' || figures === null || Array.isArray(figures)) return undefined;
  const { site, device } = worst as Record<string, Json>;
  if (typeof site !== 'string' || typeof device !== 'string') return undefined;
  return { reasons: reasons.map(String), worst: { site, device }, figures: figures as Record<string, Json> };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
