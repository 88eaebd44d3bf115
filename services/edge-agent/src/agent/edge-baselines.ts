import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrameKind } from '@premonitor/contracts';
import { deviceThresholdTarget, enrollmentDecision, fitBaseline, fleetFindsAnomalous, type EnrollmentPolicy } from '@premonitor/ml';
import type { Logger } from '@premonitor/log';
import { writeFileAtomic } from './atomic-file.js';
import type { LocalModel, LocalScore } from './local-model.js';

/** How the agent enrolls its device (the same policy as the core's inference service). */
export interface EdgeBaselineSettings {
  readonly enabled: boolean;
  readonly policy: EnrollmentPolicy;
  /** False alarms per day the device's own threshold allows; default the model's. */
  readonly falseAlarmsPerDay?: number;
}

/** The agent's enrollment defaults: commissioning (every spaced frame, the fleet score shown, not a gate), samples at least 30 s apart. */
export const DEFAULT_EDGE_BASELINES: EdgeBaselineSettings = { enabled: true, policy: { gate: 'commissioning', maxFleetScore: 0.5, minIntervalMs: 30_000 } };

/** `baselines/{kind}.json`: one kind's enrollment under one model version. Floats travel as base64 of float32 LE. */
interface BaselineFile {
  readonly modelVersion: string;
  readonly samples: string[];
  readonly lastAcceptedAt: number | null;
  readonly rejected: number;
  readonly baseline: string | null;
  /** Capture time of the first sample, and frames seen since (the device's frame rate, for its threshold). */
  readonly firstAcceptedAt?: number | null;
  readonly framesSeen?: number;
  /** Samples the fleet model found anomalous but that were taken (commissioning: shown, not a gate). */
  readonly fleetAnomalous?: number;
  /** An engineer marked the machine faulty: it does not enroll until reset. */
  readonly faulty?: boolean;
}

/** What `status` reports per kind. */
export interface EdgeBaselineStatus {
  readonly modelVersion: string;
  readonly status: 'enrolling' | 'ready' | 'faulty';
  readonly accepted: number;
  readonly frames: number;
  readonly rejected: number;
  /** Samples taken that the fleet found anomalous (shown, not a gate). */
  readonly fleetAnomalous: number;
}

/**
 * The device's own healthy baselines on the edge, so the local fallback model judges the
 * machine against itself as the core does (models/README.md, "Per-device baselines"): by
 * default commissioning — its first spaced frames whatever the fleet says, unless marked
 * faulty — and a threshold for the false alarms per day at the frame rate it showed. Same
 * policy and same `fitBaseline` as the core, so from the same samples both fit the same
 * baseline. Each accepted sample is written atomically (temp file, fsync, rename) before it
 * counts: a power cut keeps the enrollment as it was before that sample. A model of another
 * version starts a new enrollment; a corrupt file is set aside and enrollment starts over.
 */
export class EdgeBaselines {
  readonly #dir: string;
  readonly #settings: EdgeBaselineSettings;
  readonly #logger: Logger;
  readonly #state = new Map<FrameKind, BaselineFile>();
  /** Each kind's fitted baseline, decoded once (it is fed with every frame). */
  readonly #decoded = new Map<FrameKind, Float32Array>();
  /** Writes per kind, one after another. */
  readonly #chain = new Map<FrameKind, Promise<void>>();

  constructor(options: { readonly dir: string; readonly settings: EdgeBaselineSettings; readonly logger: Logger }) {
    this.#dir = options.dir;
    this.#settings = options.settings;
    this.#logger = options.logger;
  }

  /** Reads the stored enrollments. */
  async start(kinds: readonly FrameKind[]): Promise<void> {
    if (!this.#settings.enabled) return;
    await mkdir(this.#dir, { recursive: true });
    for (const kind of kinds) {
      const path = this.#path(kind);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        continue;
      }
      try {
        this.#state.set(kind, parseFile(text));
      } catch (err) {
        this.#logger.error({ kind, path, err: (err as Error).message }, 'baseline file unreadable; the device enrolls again');
      }
    }
  }

  /** The device's baseline for `model`, once enrolled with that model version. */
  baselineFor(model: LocalModel): Float32Array | undefined {
    if (!this.#settings.enabled || !model.baseline) return undefined;
    const file = this.#state.get(model.kind);
    if (file?.modelVersion !== model.version || !file.baseline) return undefined;
    let decoded = this.#decoded.get(model.kind);
    if (!decoded) this.#decoded.set(model.kind, (decoded = fromBase64(file.baseline)));
    return decoded;
  }

  /** Takes one scored frame into the enrollment; resolves once a taken sample is on disk. */
  async observe(model: LocalModel, at: number, result: LocalScore): Promise<void> {
    const spec = model.baseline;
    if (!this.#settings.enabled || !spec || result.reference !== 'fleet' || result.fleetScore === undefined || !result.embeddings) return;
    const kind = model.kind;
    let file = this.#state.get(kind);
    if (!file || file.modelVersion !== model.version) file = { modelVersion: model.version, samples: [], lastAcceptedAt: null, rejected: 0, baseline: null };
    if (file.baseline || file.faulty) return;
    // Every frame from the first sample on counts for the device's frame rate (in memory; written with the next sample).
    if (file.firstAcceptedAt != null) this.#state.set(kind, (file = { ...file, framesSeen: (file.framesSeen ?? 0) + 1 }));
    const decision = enrollmentDecision(this.#settings.policy, { fleetScore: result.fleetScore, at }, file.lastAcceptedAt ?? undefined);
    if (decision === 'too_soon') return;
    if (decision === 'fleet_anomalous') {
      // Counted in memory; written with the next accepted sample.
      this.#state.set(kind, { ...file, rejected: file.rejected + 1 });
      return;
    }
    // One sample per model row, as the core stores them: a windowed clip enrolls each window.
    const samples = [...file.samples, ...result.embeddings.map(toBase64)];
    const firstAcceptedAt = file.firstAcceptedAt ?? at;
    const framesSeen = file.firstAcceptedAt == null ? 1 : file.framesSeen ?? 1;
    const target = spec.threshold ? deviceThresholdTarget(spec.threshold, { framesSeen, spanMs: at - firstAcceptedAt }, this.#settings.falseAlarmsPerDay) : undefined;
    const baseline = samples.length >= spec.frames ? toBase64(fitBaseline(spec, samples.slice(0, spec.frames).map(fromBase64), target ? { threshold: target } : {})) : null;
    const fleetAnomalous = (file.fleetAnomalous ?? 0) + (fleetFindsAnomalous(this.#settings.policy, result.fleetScore) ? 1 : 0);
    const next: BaselineFile = { ...file, samples, lastAcceptedAt: at, baseline, firstAcceptedAt, framesSeen, fleetAnomalous };
    this.#state.set(kind, next);
    this.#decoded.delete(kind);
    const write = (this.#chain.get(kind) ?? Promise.resolve()).then(() => writeFileAtomic(this.#path(kind), JSON.stringify(next)));
    this.#chain.set(kind, write.catch(() => undefined));
    try {
      await write;
    } catch (err) {
      // Not on disk, so not taken: the next healthy frame is tried instead.
      if (this.#state.get(kind) === next) this.#state.set(kind, file);
      throw err;
    }
    if (baseline) this.#logger.info({ kind, version: model.version, samples: spec.frames, rejected: next.rejected }, 'device enrolled on the edge: local scores are now against its own baseline');
  }

  /**
   * Marks the machine faulty for `model`'s kind: its samples are dropped and it enrolls no more
   * until {@link reset} (after the repair); it stays scored against the fleet, so its local
   * alerts stay capped at INFO.
   */
  async markFaulty(model: LocalModel): Promise<void> {
    const file: BaselineFile = { modelVersion: model.version, samples: [], lastAcceptedAt: null, rejected: 0, baseline: null, faulty: true };
    this.#state.set(model.kind, file);
    this.#decoded.delete(model.kind);
    await writeFileAtomic(this.#path(model.kind), JSON.stringify(file));
  }

  /** Forgets one kind's enrollment (after a repair), on disk too. */
  async reset(kind: FrameKind): Promise<void> {
    this.#state.delete(kind);
    this.#decoded.delete(kind);
    await writeFileAtomic(this.#path(kind), JSON.stringify({ modelVersion: '', samples: [], lastAcceptedAt: null, rejected: 0, baseline: null } satisfies BaselineFile));
  }

  status(models: readonly LocalModel[]): Partial<Record<FrameKind, EdgeBaselineStatus>> {
    const out: Partial<Record<FrameKind, EdgeBaselineStatus>> = {};
    for (const model of models) {
      if (!model.baseline || !this.#settings.enabled) continue;
      const file = this.#state.get(model.kind);
      const current = file?.modelVersion === model.version ? file : undefined;
      out[model.kind] = {
        modelVersion: model.version,
        status: current?.faulty ? 'faulty' : current?.baseline ? 'ready' : 'enrolling',
        accepted: Math.min(current?.samples.length ?? 0, model.baseline.frames),
        frames: model.baseline.frames,
        rejected: current?.rejected ?? 0,
        fleetAnomalous: current?.fleetAnomalous ?? 0,
      };
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.#chain.values()]);
  }

  #path(kind: FrameKind): string {
    return join(this.#dir, `${kind}.json`);
  }
}

function parseFile(text: string): BaselineFile {
  const value = JSON.parse(text) as Partial<BaselineFile>;
  if (typeof value.modelVersion !== 'string' || !Array.isArray(value.samples) || !value.samples.every((s) => typeof s === 'string')) throw new Error('not a baseline file');
  if (!(value.baseline === null || typeof value.baseline === 'string')) throw new Error('baseline must be null or base64');
  return {
    modelVersion: value.modelVersion,
    samples: value.samples,
    lastAcceptedAt: typeof value.lastAcceptedAt === 'number' ? value.lastAcceptedAt : null,
    rejected: typeof value.rejected === 'number' ? value.rejected : 0,
    baseline: value.baseline,
    firstAcceptedAt: typeof value.firstAcceptedAt === 'number' ? value.firstAcceptedAt : null,
    framesSeen: typeof value.framesSeen === 'number' ? value.framesSeen : 0,
    fleetAnomalous: typeof value.fleetAnomalous === 'number' ? value.fleetAnomalous : 0,
    faulty: value.faulty === true,
  };
}

function toBase64(values: Float32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}
