import type { DeviceRef } from '@premonitor/contracts';
import { fitDeviceModel, modelVersion, versionStamp, windowScorer, type DeviceModel, type DeviceModelOptions, type RowScorer, type WindowScore } from './device-model.js';
import type { DeviceModelFamily, FamilyChoice } from './device-fit-options.js';
import { StepResampler, WindowRing, type TelemetryWindow } from '@premonitor/ml';

/** How devices enroll and how their readings are resampled. */
export interface TrackerSettings {
  /** Resampling step, ms; 0 = the median interval of a device's first `discoveryMessages` messages. */
  readonly stepMs: number;
  readonly discoveryMessages: number;
  readonly maxGapSteps: number;
  /** Complete rows a device's model is fitted on (its healthy history). */
  readonly enrollRows: number;
  /** Most sensors one model reads (the first ones in key order). */
  readonly maxSensors: number;
  readonly model: DeviceModelOptions;
  /**
   * The model family (`TELEMETRY_DEVICE_MODEL`, default `pca`). PCA is fitted in place; the
   * others are handed out as a `fit` request (fitted in a worker) and installed with {@link DeviceTracker.install}.
   */
  readonly family?: DeviceModelFamily;
}

/** A device as the status API shows it. */
export interface DeviceStatus {
  readonly site: string;
  readonly device: string;
  /** `discovering`: learning its step and sensors; `enrolling`: collecting healthy rows; `fitting`: its model is being fitted (not scored yet); `ready`: scored; `paused`: sensors of its model are missing. */
  readonly state: 'discovering' | 'enrolling' | 'fitting' | 'ready' | 'paused';
  /** Ready: the model family (`pca-t2q` or `conv-ae`). */
  readonly family: DeviceModel['family'] | null;
  readonly stepMs: number | null;
  readonly keys: readonly string[];
  /** Ready: the sensors the model reads. */
  readonly sensors: readonly string[];
  readonly enrollment: { readonly rows: number; readonly needed: number; readonly restarts: number };
  readonly modelVersion: string | null;
  readonly readyAt: number | null;
  readonly lastScore: { readonly ts: number; readonly score: number } | null;
  /** Sensors of the model without a value within the gap limit at the last step. */
  readonly missingSensors: readonly string[];
  /** Sensors the device sends that its model does not read (added after enrollment). */
  readonly unmodelledSensors: readonly string[];
  readonly lateReadings: number;
  /** One sentence on what is wrong, if anything. */
  readonly problem: string | null;
  /** `auto`: which family the held-out tail of the enrollment chose, and why (null otherwise). */
  readonly choice: FamilyChoice | null;
}

/** What one telemetry message produced. */
export interface TrackerOutcome {
  readonly scores: readonly { readonly ts: number; readonly seq: number; readonly score: WindowScore }[];
  /** A device scored by its model's ONNX graph ({@link DeviceTracker.scoreByGraph}): the windows (raw readings of its sensors) to score, oldest first. */
  readonly windows?: readonly TelemetryWindow[];
  /** The model was fitted with this message: store it. */
  readonly enrolled?: { readonly model: DeviceModel; readonly version: string; readonly stepMs: number; readonly choice?: FamilyChoice };
  /** The model's sensors went missing with this message (once per episode): dead-letter it with this reason. */
  readonly rejected?: string;
  /** Enrollment is complete and the model must be fitted off-thread: fit these rows, then `install(fit.token, model)`. */
  readonly fit?: { readonly token: number; readonly keys: readonly string[]; readonly rows: Float64Array; readonly stepMs: number; readonly stamp: string };
}

/** A device's stored model, to resume scoring after a restart. */
export interface StoredModel {
  readonly model: DeviceModel;
  readonly version: string;
  readonly stepMs: number;
  readonly readyAt: number;
  /** `auto`: what chose the family. */
  readonly choice?: FamilyChoice;
}

type Phase =
  | { kind: 'discovering'; messages: { ts: number; seq: number; readings: Readonly<Record<string, number>> }[] }
  | { kind: 'enrolling'; resampler: StepResampler; rows: number[]; count: number }
  | { kind: 'fitting'; resampler: StepResampler; token: number; stamp: string }
  | { kind: 'ready'; resampler: StepResampler; scorer: RowScorer; stored: StoredModel; paused: boolean; graph?: WindowRing };

let fitTokens = 0;

/**
 * One device's telemetry scoring: learns its step and sensors, enrolls on its first healthy
 * rows, then scores every step. Pure: messages in, scores and enrollment out; the caller
 * stores and publishes.
 */
export class DeviceTracker {
  readonly #ref: DeviceRef;
  readonly #s: TrackerSettings;
  readonly #now: () => number;
  #phase: Phase;
  #restarts = 0;
  #lastScore: { ts: number; score: number } | null = null;
  #missing: string[] = [];
  #unmodelled = new Set<string>();
  #problem: string | null = null;
  /** Why the model's ONNX graph could not be used (it is scored in process instead). */
  #graphProblem: string | null = null;

  constructor(ref: DeviceRef, settings: TrackerSettings, now: () => number, stored?: StoredModel) {
    this.#ref = ref;
    this.#s = settings;
    this.#now = now;
    this.#phase = stored ? this.#ready(stored) : { kind: 'discovering', messages: [] };
  }

  /** Feeds one validated telemetry message. */
  observe(ts: number, seq: number, readings: Readonly<Record<string, number>>): TrackerOutcome {
    const phase = this.#phase;
    if (phase.kind === 'discovering') {
      phase.messages.push({ ts, seq, readings });
      if (phase.messages.length < this.#s.discoveryMessages) return { scores: [] };
      const stepMs = this.#s.stepMs > 0 ? this.#s.stepMs : medianInterval(phase.messages.map((m) => m.ts));
      const keys = [...new Set(phase.messages.flatMap((m) => Object.keys(m.readings)))].sort().slice(0, this.#s.maxSensors);
      this.#phase = { kind: 'enrolling', resampler: new StepResampler(keys, { stepMs, maxGapSteps: this.#s.maxGapSteps }), rows: [], count: 0 };
      const out: TrackerOutcome[] = phase.messages.map((m) => this.observe(m.ts, m.seq, m.readings));
      const enrolled = out.find((o) => o.enrolled)?.enrolled;
      const rejected = out.find((o) => o.rejected)?.rejected;
      const fit = out.find((o) => o.fit)?.fit;
      return { scores: out.flatMap((o) => o.scores), ...(enrolled ? { enrolled } : {}), ...(rejected ? { rejected } : {}), ...(fit ? { fit } : {}) };
    }
    if (phase.kind === 'enrolling') return this.#enroll(phase, ts, seq, readings);
    if (phase.kind === 'fitting') {
      // Kept current so scoring starts from the next message once the model is in; rows meanwhile are not scored.
      phase.resampler.push(ts, seq, readings);
      return { scores: [] };
    }
    return this.#score(phase, ts, seq, readings);
  }

  /**
   * Installs the model of an off-thread fit. False (and nothing changes) when the device was
   * reset since the fit was requested.
   */
  install(token: number, model: DeviceModel, choice?: FamilyChoice): { readonly version: string; readonly stepMs: number; readonly choice?: FamilyChoice } | undefined {
    const phase = this.#phase;
    if (phase.kind !== 'fitting' || phase.token !== token) return undefined;
    const stored = { ...this.#stored(model, phase.resampler.stepMs, phase.stamp), ...(choice ? { choice } : {}) };
    this.#phase = this.#ready(stored, phase.resampler);
    this.#problem = null;
    this.#graphProblem = null;
    return { version: stored.version, stepMs: stored.stepMs, ...(choice ? { choice } : {}) };
  }

  /**
   * From now on the ready model's rows become windows of raw readings of its sensors
   * (`outcome.windows`, `[windowSteps, sensors]`: its graph's window contract) for the caller to
   * score with the graph, instead of scores from the in-process scorer. Call it once the graph
   * loaded; {@link DeviceTracker.graphUnavailable} goes back.
   */
  scoreByGraph(): void {
    const p = this.#phase;
    if (p.kind !== 'ready') return;
    p.graph = new WindowRing(p.stored.model.windowSteps, p.stored.model.sensors.length);
    p.scorer.reset();
    this.#graphProblem = null;
  }

  /** The model's graph cannot score (`reason`): the in-process scorer scores it again, and the status says why. */
  graphUnavailable(reason: string): void {
    const p = this.#phase;
    if (p.kind !== 'ready') return;
    delete p.graph;
    this.#graphProblem = `its model's ONNX graph cannot score (${reason}); scored by the in-process scorer instead`;
  }

  /** The score of the last window the caller scored for it (graph path). */
  scored(ts: number, score: number): void {
    this.#lastScore = { ts, score };
  }

  /** An off-thread fit failed: enrollment starts over on the same sensors, and the status says why. */
  fitFailed(token: number, reason: string): void {
    const phase = this.#phase;
    if (phase.kind !== 'fitting' || phase.token !== token) return;
    this.#restarts++;
    this.#problem = `model fit failed (${reason}); enrolling again`;
    this.#phase = { kind: 'enrolling', resampler: new StepResampler(phase.resampler.keys, { stepMs: phase.resampler.stepMs, maxGapSteps: this.#s.maxGapSteps }), rows: [], count: 0 };
  }

  /** Forgets the model and enrolls again from the next messages (an engineer's reset, or sensors changed). */
  reset(): void {
    this.#phase = { kind: 'discovering', messages: [] };
    this.#restarts = 0;
    this.#missing = [];
    this.#unmodelled.clear();
    this.#problem = null;
    this.#graphProblem = null;
    this.#lastScore = null;
  }

  /** The fitted model, once ready. */
  model(): DeviceModel | undefined {
    return this.#phase.kind === 'ready' ? this.#phase.stored.model : undefined;
  }

  status(): DeviceStatus {
    const p = this.#phase;
    const resampler = p.kind === 'discovering' ? undefined : p.resampler;
    return {
      ...this.#ref,
      state: p.kind === 'ready' ? (p.paused ? 'paused' : 'ready') : p.kind,
      family: p.kind === 'ready' ? p.stored.model.family : null,
      stepMs: p.kind === 'ready' ? p.stored.stepMs : resampler ? resampler.stepMs : null,
      keys: resampler?.keys ?? [],
      sensors: p.kind === 'ready' ? p.stored.model.sensors : [],
      enrollment: { rows: p.kind === 'enrolling' ? p.count : p.kind === 'ready' || p.kind === 'fitting' ? this.#s.enrollRows : 0, needed: this.#s.enrollRows, restarts: this.#restarts },
      modelVersion: p.kind === 'ready' ? p.stored.version : null,
      readyAt: p.kind === 'ready' ? p.stored.readyAt : null,
      lastScore: this.#lastScore,
      missingSensors: this.#missing,
      unmodelledSensors: [...this.#unmodelled].sort(),
      lateReadings: resampler?.late ?? 0,
      problem: this.#problem ?? this.#graphProblem,
      choice: p.kind === 'ready' ? (p.stored.choice ?? null) : null,
    };
  }

  #enroll(phase: Extract<Phase, { kind: 'enrolling' }>, ts: number, seq: number, readings: Readonly<Record<string, number>>): TrackerOutcome {
    const added = Object.keys(readings).filter((k) => !phase.resampler.keys.includes(k));
    if (added.length > 0 && phase.resampler.keys.length < this.#s.maxSensors) {
      // A sensor appeared while enrolling: the model must know it, so enrollment starts over with it.
      const keys = [...new Set([...phase.resampler.keys, ...added])].sort().slice(0, this.#s.maxSensors);
      this.#restarts++;
      this.#problem = `enrollment restarted: new sensor(s) ${added.join(', ')}`;
      this.#phase = { kind: 'enrolling', resampler: new StepResampler(keys, { stepMs: phase.resampler.stepMs, maxGapSteps: this.#s.maxGapSteps }), rows: [], count: 0 };
      return this.observe(ts, seq, readings);
    }
    for (const step of phase.resampler.push(ts, seq, readings)) {
      if (step.type !== 'row') continue;
      this.#missing = phase.resampler.keys.filter((_, i) => Number.isNaN(step.values[i]!));
      // Incomplete rows are not healthy history of every sensor: skipped, not filled with guesses.
      if (this.#missing.length > 0) continue;
      for (const v of step.values) phase.rows.push(v);
      phase.count++;
    }
    if (phase.count < this.#s.enrollRows) return { scores: [] };
    const stamp = versionStamp(this.#now());
    if ((this.#s.family ?? 'pca') !== 'pca') {
      const token = ++fitTokens;
      this.#phase = { kind: 'fitting', resampler: phase.resampler, token, stamp };
      return { scores: [], fit: { token, keys: phase.resampler.keys, rows: Float64Array.from(phase.rows), stepMs: phase.resampler.stepMs, stamp } };
    }
    const model = fitDeviceModel(phase.resampler.keys, Float64Array.from(phase.rows), this.#s.model, { stepMs: phase.resampler.stepMs, stamp });
    const stored = this.#stored(model, phase.resampler.stepMs, stamp);
    this.#phase = this.#ready(stored, phase.resampler);
    this.#problem = null;
    return { scores: [], enrolled: { model, version: stored.version, stepMs: stored.stepMs } };
  }

  #score(phase: Extract<Phase, { kind: 'ready' }>, ts: number, seq: number, readings: Readonly<Record<string, number>>): TrackerOutcome {
    const keys = phase.stored.model.keys;
    for (const k of Object.keys(readings)) if (!keys.includes(k)) this.#unmodelled.add(k);
    const scores: { ts: number; seq: number; score: WindowScore }[] = [];
    const windows: TelemetryWindow[] = [];
    const columns = phase.graph ? phase.stored.model.sensors.map((s) => keys.indexOf(s)) : [];
    let rejected: string | undefined;
    for (const step of phase.resampler.push(ts, seq, readings)) {
      if (step.type === 'gap') {
        phase.scorer.reset();
        phase.graph?.reset();
        continue;
      }
      const sensorIndex = phase.stored.model.sensors.map((s) => keys.indexOf(s));
      const missing = sensorIndex.filter((i) => Number.isNaN(step.values[i]!)).map((i) => keys[i]!);
      this.#missing = missing;
      if (missing.length > 0) {
        phase.scorer.reset();
        phase.graph?.reset();
        if (!phase.paused) {
          phase.paused = true;
          this.#problem = `sensor(s) ${missing.join(', ')} of the model sent nothing for more than ${this.#s.maxGapSteps} step(s); scoring paused until they return (or reset to re-enroll on the current sensors)`;
          rejected = `telemetry scoring of ${this.#ref.site}/${this.#ref.device}: ${this.#problem}`;
        }
        continue;
      }
      if (phase.paused) {
        phase.paused = false;
        this.#problem = null;
      }
      if (phase.graph) {
        const values = phase.graph.push(step.values, columns);
        if (values) windows.push({ ts: step.ts, seq: step.seq, values });
        continue;
      }
      const score = phase.scorer.push(step.values);
      if (score) {
        scores.push({ ts: step.ts, seq: step.seq, score });
        this.#lastScore = { ts: step.ts, score: score.score };
      }
    }
    return { scores, ...(windows.length > 0 ? { windows } : {}), ...(rejected ? { rejected } : {}) };
  }

  /** `stamp`: when enrollment completed, so the version is known before an off-thread fit builds the ONNX graph that carries it. */
  #stored(model: DeviceModel, stepMs: number, stamp: string): StoredModel {
    return { model, version: modelVersion(model.family, stamp), stepMs, readyAt: this.#now() };
  }

  #ready(stored: StoredModel, resampler?: StepResampler): Extract<Phase, { kind: 'ready' }> {
    return {
      kind: 'ready',
      resampler: resampler ?? new StepResampler(stored.model.keys, { stepMs: stored.stepMs, maxGapSteps: this.#s.maxGapSteps }),
      scorer: windowScorer(stored.model),
      stored,
      paused: false,
    };
  }
}

/** Median positive interval between timestamps, ms (at least 1). */
function medianInterval(ts: readonly number[]): number {
  const sorted = [...ts].sort((a, b) => a - b);
  const diffs = sorted.slice(1).map((t, i) => t - sorted[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  return diffs.length === 0 ? 1_000 : Math.max(1, diffs[Math.floor(diffs.length / 2)]!);
}
