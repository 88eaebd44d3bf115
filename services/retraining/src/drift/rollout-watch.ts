import type { Kysely } from 'kysely';
import { deviceKey, FRAME_KINDS, type DeviceRef, type FrameKind, type ModelHealthEvent, type ModelPromotedEvent, type ScoreEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Database, Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ModelRegistry } from '@premonitor/registry';
import type { Clock } from '@premonitor/time';
import { binOf, populationStabilityIndex } from './distribution-distance.js';
import { rolloutRepository } from './rollout-repository.js';
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

interface Watch {
  readonly id: number;
  readonly kind: FrameKind;
  readonly version: string;
  readonly previousVersion: string;
  readonly endsAt: number;
  /** The previous model's reference; without one the watch can only pass. */
  readonly reference: ScoreReference | undefined;
  /** The new model's scores in the reference's bins. */
  readonly counts: number[];
  frames: number;
  readonly devices: Map<string, { readonly ref: DeviceRef; frames: number; over: number }>;
  /** A rollback is under way or failed: no second one from this watch. */
  deciding: boolean;
}

/**
 * The rollout watch (issue 14, item 5): after any promotion of a frame kind's model, for
 * `watchMs`, the new model's live scores are compared with the previous model's reference — per
 * device, the share of frames over the alert score against the reference's share; kind-wide,
 * the PSI of the score distribution. Once `minFrames` frames were seen, a device whose share
 * rose by more than `maxOverRateRise` (with `minDeviceFrames` frames), or a PSI above `maxPsi`,
 * rolls the kind back by itself (the registry's rollback), records why in `model_rollouts` and
 * the audit trail, and publishes `pm.model-health.{kind}.{site}.{device}` (`rollback`, the
 * device that changed most) for fusion's INFO alert. A watch that ends without either is passed.
 */
export class RolloutWatch {
  readonly #deps: RolloutWatchDeps;
  readonly #settings: RolloutSettings;
  readonly #watches = new Map<FrameKind, Watch>();
  /** Rollback events whose publish failed: retried at every tick until the bus takes them. */
  readonly #unpublished: Extract<ModelHealthEvent, { event: 'rollback' }>[] = [];
  /** Versions this watch restored: their own promotion event is not watched (it would compare a model with itself). */
  readonly #restored = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: RolloutWatchDeps, settings: RolloutSettings) {
    this.#deps = deps;
    this.#settings = Object.freeze({ ...settings });
  }

  /** Resumes the watches a previous life left open, and ends those whose time is up every few seconds. */
  async start(): Promise<void> {
    for (const row of await rolloutRepository.watching(this.#deps.db)) {
      if (!(FRAME_KINDS as readonly string[]).includes(row.kind) || row.previous_version === null) continue;
      // Frames seen before the restart are lost: the watch starts counting again.
      this.#watches.set(row.kind as FrameKind, await this.#watch(Number(row.id), row.kind as FrameKind, row.version, row.previous_version, row.ends_at.getTime()));
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
    // Another registry's event on a shared bus, or an event overtaken by a later promotion.
    if ((await this.#deps.registry.production(kind))?.version !== event.version) return;
    if (this.#watches.get(kind)?.version === event.version) return;
    if (this.#restored.delete(`${kind}/${event.version}`)) return;
    const now = this.#deps.clock.now();
    await rolloutRepository.supersede(this.#deps.db, kind, new Date(now));
    this.#watches.delete(kind);
    if (event.previousVersion === null) return void this.#deps.logger.info({ kind, version: event.version }, 'rollout watch: a first model has nothing to roll back to; not watched');
    const endsAt = now + this.#settings.watchMs;
    const id = await rolloutRepository.open(this.#deps.db, { kind, version: event.version, previousVersion: event.previousVersion, startedAt: new Date(now), endsAt: new Date(endsAt) });
    const watch = await this.#watch(id, kind, event.version, event.previousVersion, endsAt);
    this.#watches.set(kind, watch);
    this.#deps.logger.info({ kind, version: event.version, previous: event.previousVersion, until: new Date(endsAt).toISOString(), reference: watch.reference?.source ?? null }, 'rollout watch started');
  }

  /** One score of a watched model. */
  async observe(event: ScoreEvent): Promise<void> {
    const watch = this.#watches.get(event.kind);
    if (!watch || watch.deciding || event.modelVersion !== watch.version) return;
    watch.frames++;
    const key = deviceKey(event);
    const device = watch.devices.get(key) ?? { ref: { site: event.site, device: event.device }, frames: 0, over: 0 };
    device.frames++;
    if (event.score > this.#settings.alertScore) device.over++;
    watch.devices.set(key, device);
    if (!watch.reference) return;
    watch.counts[binOf(event.score, watch.reference.edges)]!++;
    if (watch.frames < this.#settings.minFrames) return;
    const verdict = this.#judge(watch, watch.reference);
    if (verdict) await this.#rollBack(watch, verdict);
  }

  #judge(watch: Watch, reference: ScoreReference): { reasons: string[]; worst: DeviceRef; figures: Record<string, Json> } | undefined {
    const reasons: string[] = [];
    let worst: { ref: DeviceRef; rise: number } | undefined;
    // The device a kind-wide verdict is published on when no device has minDeviceFrames yet: a
    // fleet of many devices reaches minFrames long before any one device does (40 devices at 20
    // frames each: 800 frames), and the PSI rule must not wait for that.
    let highest: { ref: DeviceRef; rate: number } | undefined;
    const devices: Record<string, Json> = {};
    for (const [key, d] of watch.devices) {
      if (!highest || d.over / d.frames > highest.rate) highest = { ref: d.ref, rate: d.over / d.frames };
      if (d.frames < this.#settings.minDeviceFrames) continue;
      const rate = d.over / d.frames;
      const rise = rate - reference.overRate;
      devices[key] = { frames: d.frames, overRate: round(rate) };
      if (!worst || rise > worst.rise) worst = { ref: d.ref, rise };
      if (rise > this.#settings.maxOverRateRise) {
        reasons.push(`${key}: ${pct(rate)} of ${d.frames} frames scored above ${this.#settings.alertScore} against ${pct(reference.overRate)} for ${watch.previousVersion} (a rise of ${pct(rise)}, more than ${pct(this.#settings.maxOverRateRise)})`);
      }
    }
    const psi = populationStabilityIndex(reference.shares, watch.counts);
    if (psi > this.#settings.maxPsi) reasons.push(`score distribution PSI ${psi.toFixed(3)} against ${watch.previousVersion}'s reference over ${watch.frames} frames (more than ${this.#settings.maxPsi})`);
    const target = worst?.ref ?? highest?.ref;
    if (reasons.length === 0 || !target) return undefined;
    return { reasons, worst: target, figures: { frames: watch.frames, psi: round(psi), referenceOverRate: round(reference.overRate), referenceSource: reference.source, devices } };
  }

  async #rollBack(watch: Watch, verdict: { reasons: string[]; worst: DeviceRef; figures: Record<string, Json> }): Promise<void> {
    watch.deciding = true;
    const { kind, version } = watch;
    const log = this.#deps.logger.child({ kind, version });
    try {
      if ((await this.#deps.registry.production(kind))?.version !== version) {
        await rolloutRepository.decide(this.#deps.db, watch.id, 'superseded', watch.frames, { reasons: ['production changed during the watch'] }, new Date(this.#deps.clock.now()));
        this.#watches.delete(kind);
        return;
      }
      this.#restored.add(`${kind}/${watch.previousVersion}`);
      const reason = `rolled back by the rollout watch: ${verdict.reasons.join('; ')}`.slice(0, 1000);
      // The reason goes into the registry's model_history too.
      const restored = await this.#deps.registry.rollback(kind, '', { reason });
      const now = this.#deps.clock.now();
      const decision = { ...verdict.figures, reasons: verdict.reasons, restoredVersion: restored.version };
      await rolloutRepository.decide(this.#deps.db, watch.id, 'rolled_back', watch.frames, decision, new Date(now));
      await this.#deps.db
        .insertInto('audit_events')
        .values({ actor: 'retraining:rollout-watch', action: 'model rollback', target: `/api/v1/models/${kind}/rollback`, status: 200, remote_addr: null, detail: JSON.stringify({ from: version, to: restored.version, reasons: verdict.reasons }) })
        .execute();
      this.#watches.delete(kind);
      log.warn({ restored: restored.version, reasons: verdict.reasons, frames: watch.frames }, 'rollout watch rolled the model back');
      this.#unpublished.push({ event: 'rollback', site: verdict.worst.site, device: verdict.worst.device, kind, modelVersion: version, restoredVersion: restored.version, reason, frames: watch.frames, ts: Math.floor(now) });
    } catch (err) {
      // Nothing to roll back to, or the previous model fails its check now: keep it, say so loudly.
      this.#restored.delete(`${kind}/${watch.previousVersion}`);
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

  async #expire(): Promise<void> {
    await this.#publishRollbacks();
    const now = this.#deps.clock.now();
    for (const [kind, watch] of [...this.#watches]) {
      if (now < watch.endsAt || watch.deciding) continue;
      this.#watches.delete(kind);
      const note = !watch.reference
        ? `${watch.previousVersion} has no reference score distribution: nothing to compare with`
        : watch.frames < this.#settings.minFrames
          ? `only ${watch.frames} frames (fewer than ${this.#settings.minFrames}): too few to judge`
          : 'within every threshold';
      await rolloutRepository.decide(this.#deps.db, watch.id, 'passed', watch.frames, { reasons: [note] }, new Date(now));
      this.#deps.logger.info({ kind, version: watch.version, frames: watch.frames, note }, 'rollout watch passed');
    }
  }

  async #watch(id: number, kind: FrameKind, version: string, previousVersion: string, endsAt: number): Promise<Watch> {
    const reference = await scoreReferenceRepository.get(this.#deps.db, kind, previousVersion);
    return { id, kind, version, previousVersion, endsAt, reference, counts: new Array<number>((reference?.edges.length ?? 0) + 1).fill(0), frames: 0, devices: new Map(), deciding: false };
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
