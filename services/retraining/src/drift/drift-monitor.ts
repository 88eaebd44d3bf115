import type { Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import { deviceKey, type DeviceRef, type FrameKind, type ModelHealthEvent, type ScoreEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import type { Database, ModelDriftDevice } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { meanBandShares } from '@premonitor/ml/scoring';
import type { Clock } from '@premonitor/time';
import { binCounts, jensenShannonDistance, populationStabilityIndex } from './distribution-distance.js';
import { driftWindowRepository, type DriftWindow } from './drift-window-repository.js';
import { referenceSampleRepository } from './reference-sample-repository.js';
import { INPUT_FEATURES, inputReferenceOf, inputReferenceRepository, scoreReferenceOf, scoreReferenceRepository, spectrumReferenceRepository, type InputDriftFeature, type InputFeature, type InputReference, type ScoreReference, type SpectrumReference } from './score-reference.js';

/** The drift monitor's thresholds and sizes (RETRAINING_ON_DRIFT, DRIFT_* in the config). */
export interface DriftSettings {
  /** Latest scores kept per (kind, device). */
  readonly window: number;
  /** Fewest scores in a window before it is judged. */
  readonly minWindow: number;
  /** Quantile bins of a learned reference. */
  readonly bins: number;
  readonly psiThreshold: number;
  readonly jsThreshold: number;
  /** Frames of a model without a reference that fix its live reference. */
  readonly referenceFrames: number;
  /** Scores above this are over the alert threshold. */
  readonly alertScore: number;
}

/**
 * A drifting device is back to `ok` only once both figures fell below this share of their
 * thresholds: a window hovering at the threshold would otherwise raise and resolve alerts frame by frame.
 */
export const DRIFT_HYSTERESIS = 0.8;

/** Collaborators of {@link DriftMonitor}. */
export interface DriftMonitorDeps {
  readonly db: Kysely<Database>;
  readonly bus: Bus;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** The production version of a kind (the registry), undefined when there is none. */
  readonly production: (kind: FrameKind) => Promise<string | undefined>;
  /** Called when a device starts drifting (the retraining trigger). */
  readonly onDrift?: (event: Extract<ModelHealthEvent, { event: 'drift' }>) => void;
}

/** One device's window and its last verdict. */
export interface DeviceDrift {
  readonly device: DeviceRef;
  readonly window: number;
  readonly psi: number | null;
  readonly jsDistance: number | null;
  /** PSI of each input statistic against the model's input reference (once both exist); `spectrum`: the window's mean band shares against the training spectrum. */
  readonly inputPsi: Readonly<Partial<Record<InputDriftFeature, number>>>;
  readonly drifting: boolean;
  readonly evaluatedAt: number | null;
}

/** What `GET /models/{kind}/drift` shows. */
export interface KindDrift {
  readonly kind: FrameKind;
  readonly modelVersion: string | null;
  readonly reference: (Omit<ScoreReference, 'kind' | 'version'> & { readonly learning?: undefined }) | { readonly learning: number; readonly of: number } | null;
  /** The input statistics' references, or how far learning them got. */
  readonly inputReference: Readonly<Partial<Record<InputFeature, InputReference>>> | { readonly learning: number; readonly of: number } | null;
  /** The spectrum the acoustic model was trained on (its run stored it), or null. */
  readonly spectralReference: SpectrumReference | null;
  /** What input drift is judged on: with a spectral reference the band energies too; without, the level statistics only. */
  readonly inputBasis: string;
  readonly settings: DriftSettings;
  readonly devices: readonly DeviceDrift[];
}

/** What this replica keeps of a device: the database holds its window and verdict. */
interface DeviceState {
  readonly ref: DeviceRef;
  /** A state change is being published by this replica: its frames judged meanwhile do not publish it again. */
  publishing: boolean;
  /** Samples this replica appended since it last pruned the device's window. */
  appended: number;
  /** Samples this replica appended since it last judged the device's window. */
  unjudged: number;
}

interface KindState {
  version: string | undefined;
  /** The score reference of `version`; undefined while its first frames are collected (`model_reference_samples`). */
  reference: ScoreReference | undefined;
  /** The input statistics' references of `version` (learned from its first frames); undefined while learning. */
  inputReference: ReadonlyMap<InputFeature, InputReference> | undefined;
  /** The spectrum `version` was trained on (acoustic models from a run); undefined: level statistics only. */
  spectrum: SpectrumReference | undefined;
  checkedAt: number;
  /** The devices this replica has seen under `version` (for its gauges). */
  readonly devices: Map<string, DeviceState>;
}

/** Production changes this long ago or more are re-read when a frame names another version (a missed promotion event). */
const RECHECK_MS = 10_000;

/**
 * Drift of the production models (issue 14, item 7): every score of a frame kind lands in its
 * device's sliding window; once the window holds `minWindow` scores it is compared with the
 * production model's reference distribution (its quantile bins) by population stability index
 * and Jensen–Shannon distance. Crossing a threshold publishes `pm.model-health.{kind}.{site}.{device}`
 * (`drifting`, then `ok` once back below with hysteresis), which fusion turns into an INFO
 * alert and the retraining trigger may act on. Only frames scored by the production version
 * count; a promotion empties the kind's windows (a new model has a new distribution).
 *
 * The windows and verdicts live in the database (`model_drift_samples`, `model_drift_devices`):
 * replicas sharing the scores consumer each append their share and judge the device's whole
 * window; a state change is a conditional update, so one replica publishes it; a restart
 * resumes with the window as it was. Each device keeps its latest `window` samples (pruned
 * every `window / 10` appends of a replica) and is judged every `window / 30` appends of a
 * replica (every score for windows under 60). The first frames that fix a live reference are
 * collected in the database too (`model_reference_samples`), from every replica.
 */
export class DriftMonitor {
  readonly #deps: DriftMonitorDeps;
  readonly #settings: DriftSettings;
  readonly #kinds = new Map<FrameKind, Promise<KindState>>();
  readonly #psi: Gauge<'kind' | 'device'>;
  readonly #js: Gauge<'kind' | 'device'>;
  readonly #drifting: Gauge<'kind' | 'device'>;
  readonly #inputPsi: Gauge<'kind' | 'device' | 'feature'>;

  constructor(deps: DriftMonitorDeps, settings: DriftSettings) {
    this.#deps = deps;
    this.#settings = Object.freeze({ ...settings });
    const registers = [deps.metrics];
    this.#psi = new Gauge({ name: 'pm_model_drift_psi', help: "Population stability index of a device's latest scores against the production model's reference", labelNames: ['kind', 'device'], registers });
    this.#js = new Gauge({ name: 'pm_model_drift_js_distance', help: "Jensen–Shannon distance (base 2) of a device's latest scores against the production model's reference", labelNames: ['kind', 'device'], registers });
    this.#inputPsi = new Gauge({ name: 'pm_model_input_drift_psi', help: "Population stability index of a device's latest input statistics (level, spread; spectrum: acoustic band energies) against the production model's input reference", labelNames: ['kind', 'device', 'feature'], registers });
    this.#drifting = new Gauge({ name: 'pm_model_drift_drifting', help: '1 while a device\'s scores have drifted from the production model\'s reference', labelNames: ['kind', 'device'], registers });
  }

  get settings(): DriftSettings {
    return this.#settings;
  }

  /** Takes one score into its device's window and judges the window. */
  async observe(event: ScoreEvent): Promise<void> {
    const state = await this.#kind(event.kind);
    if (event.modelVersion !== state.version) {
      const now = this.#deps.clock.now();
      if (now - state.checkedAt < RECHECK_MS) return;
      await this.#load(event.kind, state);
      if (event.modelVersion !== state.version) return;
    }
    if (!state.reference || (!state.inputReference && event.input)) await this.#learn(event.kind, state, event);
    const key = deviceKey(event);
    let device = state.devices.get(key);
    if (!device) {
      device = { ref: { site: event.site, device: event.device }, publishing: false, appended: 0, unjudged: 0 };
      state.devices.set(key, device);
    }
    const { db } = this.#deps;
    const version = state.version!;
    await driftWindowRepository.append(db, { kind: event.kind, version, deviceId: key, seq: event.seq, score: event.score, input: event.input, at: new Date(event.ts) });
    if (++device.appended >= Math.max(1, Math.floor(this.#settings.window / 10))) {
      device.appended = 0;
      await driftWindowRepository.prune(db, event.kind, key, this.#settings.window);
    }
    // Reading a window is the expensive part (3 ms of CPU per score on PGlite with a window of 300):
    // judged every `window / 30` appends of this replica, the verdict lags by at most that many frames.
    if (++device.unjudged < Math.max(1, Math.floor(this.#settings.window / 30))) return;
    device.unjudged = 0;
    const window = await driftWindowRepository.window(db, event.kind, version, key, this.#settings.window);
    // A promotion heard meanwhile: this window is the replaced model's, and its verdict is over.
    if (state.version !== version) return;
    await this.#judge(event.kind, version, state, device, window, event.ts);
  }

  /**
   * A promotion was announced: re-read the kind's production version and reference; when the
   * version changed, its windows start empty. (An announcement that changed nothing here — a
   * re-publish, another registry's on a shared bus — keeps them.)
   */
  async modelChanged(kind: FrameKind): Promise<void> {
    await this.#load(kind, await this.#kind(kind));
  }

  /** The drift of every device of `kind` seen since the last promotion. */
  async status(kind: FrameKind): Promise<KindDrift> {
    const state = await this.#kind(kind);
    const r = state.reference;
    const learned = state.version && (!r || !state.inputReference) ? await referenceSampleRepository.progress(this.#deps.db, kind, state.version) : undefined;
    const of = this.#settings.referenceFrames;
    const reference = r ? { source: r.source, edges: r.edges, shares: r.shares, overRate: r.overRate, count: r.count } : learned ? { learning: Math.min(of, learned.scores), of } : null;
    const inputReference = state.inputReference ? Object.fromEntries(state.inputReference) : learned ? { learning: Math.min(of, learned.inputs), of } : null;
    const rows = state.version === undefined ? [] : await driftWindowRepository.devices(this.#deps.db, kind, state.version);
    const devices = rows.map((d) => ({ device: { site: d.site, device: d.device }, window: d.window_size, psi: d.psi, jsDistance: d.js_distance, inputPsi: d.input_psi as Partial<Record<InputDriftFeature, number>>, drifting: d.drifting, evaluatedAt: d.evaluated_at?.getTime() ?? null }));
    const inputBasis = state.spectrum
      ? 'band energies (octave bands against the training spectrum) and level statistics'
      : kind === 'acoustic'
        ? 'level statistics only: no spectral reference stored for this model (shipped, npm run train, or a run from before spectra)'
        : 'level statistics';
    return { kind, modelVersion: state.version ?? null, reference, inputReference, spectralReference: state.spectrum ?? null, inputBasis, settings: this.#settings, devices };
  }

  async #judge(kind: FrameKind, version: string, state: KindState, device: DeviceState, window: DriftWindow, ts: number): Promise<void> {
    const { db } = this.#deps;
    const key = deviceKey(device.ref);
    const judgement = { kind, version, deviceId: key, site: device.ref.site, device: device.ref.device, window: window.scores.length };
    const reference = state.reference;
    if (!reference || window.scores.length < this.#settings.minWindow) {
      await driftWindowRepository.judged(db, { ...judgement, psi: null, js: null, inputPsi: {}, at: null });
      return;
    }
    const counts = binCounts(window.scores, reference.edges);
    const psi = populationStabilityIndex(reference.shares, counts);
    const js = jensenShannonDistance(reference.shares, counts);
    const labels = { kind, device: key };
    this.#psi.set(labels, psi);
    this.#js.set(labels, js);
    // Input drift counts like score drift: a camera that runs hotter drifts before its scores move.
    const inputPsi: Partial<Record<InputDriftFeature, number>> = {};
    for (const [feature, inputRef] of state.inputReference ?? []) {
      const values = window.inputs[feature];
      if (values.length < this.#settings.minWindow) continue;
      const featurePsi = populationStabilityIndex(inputRef.shares, binCounts(values, inputRef.edges));
      inputPsi[feature] = round(featurePsi);
      this.#inputPsi.set({ ...labels, feature }, featurePsi);
    }
    // The spectrum: a sound whose energy moves between bands drifts even when its level does not.
    const spectrum = state.spectrum;
    const liveSpectrum = spectrum && window.bands.length >= this.#settings.minWindow ? meanBandShares(window.bands) : undefined;
    if (spectrum && liveSpectrum?.length === spectrum.shares.length) {
      const spectrumPsi = populationStabilityIndex(spectrum.shares, liveSpectrum);
      inputPsi.spectrum = round(spectrumPsi);
      this.#inputPsi.set({ ...labels, feature: 'spectrum' }, spectrumPsi);
    }
    const stored = await driftWindowRepository.judged(db, { ...judgement, psi: round(psi), js: round(js), inputPsi, at: new Date(this.#deps.clock.now()) });
    const inputPsis = Object.values(inputPsi);
    const { psiThreshold, jsThreshold } = this.#settings;
    const over = psi >= psiThreshold || js >= jsThreshold || inputPsis.some((p) => p >= psiThreshold);
    const under = psi < psiThreshold * DRIFT_HYSTERESIS && js < jsThreshold * DRIFT_HYSTERESIS && inputPsis.every((p) => p < psiThreshold * DRIFT_HYSTERESIS);
    const drifting = stored ? !under : over;
    this.#drifting.set(labels, stored ? 1 : 0);
    if (drifting === stored || device.publishing) return;
    // Another replica judging the same window may change the state first: it publishes, this one does not.
    if (!(await driftWindowRepository.setDrifting(db, kind, key, version, stored, drifting))) return;
    const event: Extract<ModelHealthEvent, { event: 'drift' }> = {
      event: 'drift',
      site: device.ref.site,
      device: device.ref.device,
      kind,
      modelVersion: version,
      state: drifting ? 'drifting' : 'ok',
      psi: round(psi),
      jsDistance: Math.min(1, round(js)),
      window: window.scores.length,
      psiThreshold,
      jsThreshold,
      ...(inputPsis.length > 0 ? { inputPsi } : {}),
      ts,
    };
    const log = { kind, device: key, version, psi: event.psi, jsDistance: event.jsDistance, inputPsi, window: event.window };
    if (drifting) this.#deps.logger.warn(log, 'model drift: the device\'s scores left the reference distribution');
    else this.#deps.logger.info(log, 'model drift over: the device\'s scores are back near the reference');
    device.publishing = true;
    try {
      await publishEvent(this.#deps.bus, 'modelHealth', [kind, device.ref], event, { msgId: `${kind}.${key}.drift.${event.state}.${ts}` });
    } catch (err) {
      // Only once published does the state change: undone, so the next frame tries again.
      await driftWindowRepository.setDrifting(db, kind, key, version, drifting, stored);
      throw err;
    } finally {
      device.publishing = false;
    }
    this.#drifting.set(labels, drifting ? 1 : 0);
    if (drifting) this.#deps.onDrift?.(event);
  }

  /**
   * Collects a frame of a model still missing a reference (with every replica's, in the
   * database); once `referenceFrames` were collected, the first of them become its live score
   * reference and input references. Every replica computes the same ones from the same rows,
   * and the first stored wins.
   */
  async #learn(kind: FrameKind, state: KindState, event: ScoreEvent): Promise<void> {
    const { db } = this.#deps;
    const version = state.version!;
    const n = this.#settings.referenceFrames;
    await referenceSampleRepository.append(db, { kind, version, score: event.score, input: event.input });
    const collected = await referenceSampleRepository.progress(db, kind, version);
    if (!state.reference && collected.scores >= n) {
      const learned = scoreReferenceOf(kind, version, 'live', await referenceSampleRepository.firstScores(db, kind, version, n), this.#settings.bins, this.#settings.alertScore);
      await scoreReferenceRepository.save(db, learned);
      // A run's held-out reference may have been stored meanwhile: the stored one wins.
      state.reference = (await scoreReferenceRepository.get(db, kind, version)) ?? learned;
      this.#deps.logger.info({ kind, version, frames: learned.count, overRate: learned.overRate }, 'model score reference learned from live frames');
    }
    if (!state.inputReference && collected.inputs >= n) {
      const values = await referenceSampleRepository.firstInputs(db, kind, version, n);
      const learned = new Map(INPUT_FEATURES.map((f) => [f, inputReferenceOf(values[f], this.#settings.bins)] as const));
      await inputReferenceRepository.save(db, kind, version, learned);
      const stored = await inputReferenceRepository.get(db, kind, version);
      state.inputReference = stored.size > 0 ? stored : learned;
      this.#deps.logger.info({ kind, version, frames: learned.get('level')!.count }, 'model input reference learned from live frames');
    }
  }

  #kind(kind: FrameKind): Promise<KindState> {
    let state = this.#kinds.get(kind);
    if (!state) {
      const fresh: KindState = { version: undefined, reference: undefined, inputReference: undefined, spectrum: undefined, checkedAt: 0, devices: new Map() };
      state = this.#load(kind, fresh).then(() => fresh);
      // A failed first read is retried by the next frame.
      state.catch(() => this.#kinds.delete(kind));
      this.#kinds.set(kind, state);
    }
    return state;
  }

  async #load(kind: FrameKind, state: KindState): Promise<void> {
    state.checkedAt = this.#deps.clock.now();
    const version = await this.#deps.production(kind);
    if (version !== state.version) {
      state.version = version;
      for (const device of state.devices.values()) this.#clearGauges(kind, device.ref);
      state.devices.clear();
    }
    // The drift of a model no longer in production is over: say so (once, by the replica whose
    // delete found the verdicts), or its alerts would hold forever.
    for (const ended of await driftWindowRepository.replaced(this.#deps.db, kind, version)) if (ended.drifting) await this.#driftOver(kind, ended);
    await referenceSampleRepository.replaced(this.#deps.db, kind, version);
    state.reference = version === undefined ? undefined : await scoreReferenceRepository.get(this.#deps.db, kind, version);
    const inputs = version === undefined ? undefined : await inputReferenceRepository.get(this.#deps.db, kind, version);
    state.inputReference = inputs && inputs.size > 0 ? inputs : undefined;
    state.spectrum = version === undefined ? undefined : await spectrumReferenceRepository.get(this.#deps.db, kind, version);
  }

  async #driftOver(kind: FrameKind, ended: ModelDriftDevice): Promise<void> {
    const { psiThreshold, jsThreshold } = this.#settings;
    const ref = { site: ended.site, device: ended.device };
    const event: Extract<ModelHealthEvent, { event: 'drift' }> = {
      event: 'drift',
      site: ref.site,
      device: ref.device,
      kind,
      modelVersion: ended.version,
      state: 'ok',
      psi: round(ended.psi ?? 0),
      jsDistance: Math.min(1, round(ended.js_distance ?? 0)),
      window: Math.max(1, ended.window_size),
      psiThreshold,
      jsThreshold,
      ts: Math.floor(this.#deps.clock.now()),
    };
    try {
      await publishEvent(this.#deps.bus, 'modelHealth', [kind, ref], event, { msgId: `${kind}.${ended.device_id}.drift.ok.${event.ts}` });
      this.#deps.logger.info({ kind, device: ended.device_id, version: ended.version }, 'model drift over: the model was replaced');
    } catch (err) {
      this.#deps.logger.warn({ err, kind, device: ended.device_id, version: ended.version }, 'the end of a replaced model\'s drift was not published; its alert resolves when the device drifts and recovers again');
    }
  }

  #clearGauges(kind: FrameKind, ref: DeviceRef): void {
    const labels = { kind, device: deviceKey(ref) };
    this.#psi.remove(labels);
    this.#js.remove(labels);
    this.#drifting.remove(labels);
    for (const feature of [...INPUT_FEATURES, 'spectrum']) this.#inputPsi.remove({ ...labels, feature });
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
