import { busSubjects, deviceKey, type BaselineEvent, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import { decodeEvent, publishEvent, type Bus, type BusMessage, type Subscription } from '@premonitor/bus';
import { BaselineError, checkBaselineSpec, deviceThresholdTarget, enrollmentDecision, fitBaseline, fleetFindsAnomalous, framesPerDayOf, type BaselineSpec, type EnrollmentPolicy, type EnrollmentRate } from '@premonitor/ml';
import type { Logger } from '@premonitor/log';
import { ConsumerPolicy, type DeadLetterSink } from '@premonitor/resilience';
import { systemClock, type Clock } from '@premonitor/time';
import type { FrameScore } from '@premonitor/ml/scoring';
import type { InferenceMetrics } from '../inference-metrics.js';
import type { ScoringModel } from '../scoring-model.js';
import type { BaselineKey, BaselineRecord, BaselineStore } from './baseline-store.js';

/** How devices enroll. */
export interface BaselineSettings {
  /** False: every frame is scored against the fleet and nothing is enrolled. */
  readonly enabled: boolean;
  readonly policy: EnrollmentPolicy;
  /** Samples a baseline is fitted from; default the model's `baseline.frames` (the size it was evaluated with). */
  readonly samples?: number;
  /**
   * Healthy frames per day allowed above a device's own threshold; default the model's
   * (`baseline.threshold`). The device's frames per day are measured while it enrolls.
   */
  readonly falseAlarmsPerDay?: number;
}

/** Collaborators of {@link DeviceBaselines}. */
export interface DeviceBaselinesOptions {
  readonly kind: FrameKind;
  readonly settings: BaselineSettings;
  readonly store: BaselineStore;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: InferenceMetrics;
  /** Durable name of this replica's consumer of baseline events (unique per replica). */
  readonly durable: string;
  /** Where baseline events that cannot be handled end up (with the durable as their source). */
  readonly deadLetters: DeadLetterSink;
  readonly clock?: Clock;
}

/** One scored frame, as enrollment sees it. */
export interface ScoredFrame {
  readonly ref: DeviceRef;
  /** Capture time, ms (the frame's `ts`): enrollment spacing is measured on the device's clock. */
  readonly at: number;
  readonly result: FrameScore;
}

interface DeviceState {
  baseline: Float32Array | undefined;
  accepted: number;
  /** Samples left out since the last write (stored with the next write). */
  rejectedSince: number;
  /** An engineer vouched for the machine: the fleet score does not keep frames out. */
  acceptAll: boolean;
  /** An engineer marked the machine faulty: it does not enroll. */
  faulty: boolean;
  /** Frames seen since the last sample write (from the first sample on): the device's frame rate. */
  framesSince: number;
  /** The enrollment has a row in the store (so the device is listed even before a sample is taken). */
  known: boolean;
  /** When the left-out count was last written (service clock, ms). */
  rejectedWrittenAt: number;
  lastAcceptedAt: number | undefined;
  /** Writes of this device run one after another. */
  chain: Promise<void>;
}

interface VersionState {
  readonly spec: BaselineSpec;
  readonly devices: Map<string, DeviceState>;
}

/** Least time between two writes of a device's left-out count, ms (the first is written at once). */
const REJECTED_WRITE_INTERVAL_MS = 60_000;

/** Model versions whose state stays in memory: the one in service and the one a batch may still hold. */
const KEPT_VERSIONS = 2;

/**
 * Per-device healthy baselines for the model in service (models/README.md, "Per-device
 * baselines"). A device starts scored against the fleet; its frames at least `minIntervalMs`
 * apart become enrollment samples — every one under the default `commissioning` gate (the
 * fleet score is stored with each and shown, not a gate), only those the fleet finds healthy
 * under the `fleet` gate; none once an engineer marked the machine faulty. They are — stored before the frame is acknowledged, so a restart or another replica carries
 * on — and once the model's `frames` samples are in, the baseline is fitted with the same
 * `fitBaseline` training evaluated with, stored, and from the next batch on the device is
 * scored against itself. A new model version enrolls afresh (its embedding may differ).
 *
 * Replicas share the frames of a device, so each stores what it accepts and the database
 * counts; the one that completes the baseline announces it on `pm.baselines.{kind}.…`, and
 * every replica reloads that device from the table. Spacing is checked per replica, so with
 * R replicas samples may come up to R times closer than `minIntervalMs`.
 */
export class DeviceBaselines {
  readonly #o: DeviceBaselinesOptions;
  readonly #clock: Clock;
  readonly #versions = new Map<string, VersionState>();
  readonly #policy: ConsumerPolicy;
  #subscription: Subscription | undefined;

  constructor(options: DeviceBaselinesOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#policy = new ConsumerPolicy({ consumer: options.durable, deadLetters: options.deadLetters, logger: options.logger });
  }

  get enabled(): boolean {
    return this.#o.settings.enabled;
  }

  /** How enrolling frames are judged (`commissioning` unless configured otherwise). */
  get gate(): 'commissioning' | 'fleet' {
    return this.#o.settings.policy.gate ?? 'commissioning';
  }

  /** Listens for baselines completed or reset by any replica. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    const { bus, kind, durable } = this.#o;
    this.#subscription = await bus.consume(
      this.#policy.spec({ stream: busSubjects.baselines.stream, durable, filterSubject: busSubjects.baselines.ofKind(kind), deliverPolicy: 'new' }),
      this.#policy.guard((message) => this.#onEvent(message)),
    );
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    this.#subscription = undefined;
    await this.#policy.settled();
    await Promise.allSettled([...this.#versions.values()].flatMap((v) => [...v.devices.values()].map((d) => d.chain)));
  }

  /** Loads the enrollments and baselines of `model`'s version; call before the model goes into service. */
  async prepare(model: ScoringModel): Promise<void> {
    if (!this.enabled || !model.baseline || this.#versions.has(model.version)) return;
    const records = await this.#o.store.load(this.#o.kind, model.version);
    const devices = new Map<string, DeviceState>();
    for (const r of records) devices.set(r.deviceId, stateOf(r));
    this.#versions.set(model.version, { spec: this.#enrollmentSpec(model.version, model.baseline), devices });
    while (this.#versions.size > KEPT_VERSIONS) this.#versions.delete(this.#versions.keys().next().value!);
    const ready = records.filter((r) => r.status === 'ready').length;
    this.#o.logger.info({ kind: this.#o.kind, version: model.version, ready, enrolling: records.length - ready, frames: this.#versions.get(model.version)!.spec.frames }, 'device baselines loaded');
  }

  /** Samples a device enrolls from under `model` (the configured count, else the model's). */
  enrollmentFrames(model: ScoringModel): number | undefined {
    return this.#versions.get(model.version)?.spec.frames ?? model.baseline?.frames;
  }

  /** The model's baseline spec with the configured sample count, when the method allows that count. */
  #enrollmentSpec(version: string, spec: BaselineSpec): BaselineSpec {
    const samples = this.#o.settings.samples;
    if (samples === undefined || samples === spec.frames) return spec;
    try {
      return checkBaselineSpec({ ...spec, frames: samples });
    } catch (err) {
      if (!(err instanceof BaselineError)) throw err;
      this.#o.logger.warn({ kind: this.#o.kind, version, samples, frames: spec.frames, reason: err.message }, 'configured enrollment sample count does not suit this model; using the model\'s');
      return spec;
    }
  }

  /** The baseline each device has under `model`, or undefined where it is not enrolled yet. */
  baselinesFor(model: ScoringModel, deviceIds: readonly string[]): (Float32Array | undefined)[] | undefined {
    const version = this.enabled && model.baseline ? this.#versions.get(model.version) : undefined;
    if (!version) return undefined;
    return deviceIds.map((id) => version.devices.get(id)?.baseline);
  }

  /**
   * Takes the enrollment samples of a scored batch. Resolves once every accepted sample is
   * stored (and any baseline it completed is fitted and stored): the caller acknowledges the
   * frames after that, so a crash loses no sample.
   */
  async observe(model: ScoringModel, frames: readonly ScoredFrame[]): Promise<void> {
    const version = this.enabled && model.baseline ? this.#versions.get(model.version) : undefined;
    if (!version) return;
    const { policy } = this.#o.settings;
    const { kind, metrics } = this.#o;
    const writes: Promise<void>[] = [];
    for (const { ref, at, result } of frames) {
      if (result.reference !== 'fleet' || result.fleetScore === undefined || !result.embeddings) continue;
      const id = deviceKey(ref);
      let state = version.devices.get(id);
      if (!state) version.devices.set(id, (state = { ...fresh(), chain: Promise.resolve() }));
      if (state.baseline || state.faulty || state.accepted >= version.spec.frames) continue;
      // The device's frame rate counts from its first sample on (it sets the per-day threshold).
      if (state.lastAcceptedAt !== undefined || state.accepted > 0) state.framesSince++;
      const decision = enrollmentDecision(state.acceptAll ? { ...policy, maxFleetScore: Infinity } : policy, { fleetScore: result.fleetScore, at }, state.lastAcceptedAt);
      if (decision === 'fleet_anomalous') {
        state.rejectedSince++;
        metrics.enrollment.inc({ kind, outcome: 'fleet_anomalous' });
        // Written when first seen and then now and then, so a device the fleet always flags is
        // listed (with its count) instead of silently never enrolling.
        const now = this.#clock.now();
        if (!state.known || now - state.rejectedWrittenAt >= REJECTED_WRITE_INTERVAL_MS) {
          const s = state;
          const count = s.rejectedSince;
          s.rejectedSince = 0;
          s.known = true;
          s.rejectedWrittenAt = now;
          // Only a count: its write failing must not fail the batch, so it is not awaited there.
          s.chain = s.chain
            .then(() => this.#o.store.noteRejected({ deviceId: id, kind, modelVersion: model.version }, count, version.spec))
            .catch((err: unknown) => {
              s.rejectedSince += count;
              s.known = false;
              this.#o.logger.warn({ err, device: id }, 'could not record left-out enrollment samples; will retry');
            });
        }
        continue;
      }
      if (decision === 'too_soon') continue;
      if (state.lastAcceptedAt === undefined && state.accepted === 0) state.framesSince++;
      // Shown, not a gate: the fleet's opinion of what the device enrolls from.
      if (fleetFindsAnomalous(policy, result.fleetScore)) metrics.enrollment.inc({ kind, outcome: 'taken_fleet_anomalous' });
      const previousAt = state.lastAcceptedAt;
      state.lastAcceptedAt = at;
      const key: BaselineKey = { deviceId: id, kind, modelVersion: model.version };
      const s = state;
      const rejectedSince = s.rejectedSince;
      const framesSince = s.framesSince;
      s.rejectedSince = 0;
      s.framesSince = 0;
      const samples = { at: new Date(at), fleetScore: result.fleetScore, embeddings: result.embeddings, method: version.spec.method, frames: version.spec.frames, rejectedSince, framesSince };
      const write = s.chain.then(async () => {
        try {
          const stored = await this.#o.store.addSamples(key, samples);
          s.accepted = stored.accepted;
          s.known = true;
          metrics.enrollment.inc({ kind, outcome: 'accepted' }, result.embeddings!.length);
          if (stored.accepted >= version.spec.frames) await this.#complete(ref, key, version.spec, s);
        } catch (err) {
          // The frame will be redelivered; let its sample be taken again.
          if (s.lastAcceptedAt === at) s.lastAcceptedAt = previousAt;
          s.rejectedSince += rejectedSince;
          s.framesSince += framesSince;
          throw err;
        }
      });
      s.chain = write.catch(() => undefined);
      writes.push(write);
    }
    await Promise.all(writes);
  }

  /** Forgets a device's baselines (every model version) so it enrolls again from its next healthy frames. */
  async reset(ref: DeviceRef): Promise<string[]> {
    const id = deviceKey(ref);
    const versions = await this.#quiesced(id, () => this.#o.store.reset(id, this.#o.kind));
    for (const v of this.#versions.values()) v.devices.delete(id);
    const current = [...this.#versions.keys()].at(-1);
    const announced = versions[0] ?? current;
    if (announced) await this.#announce(ref, announced, 'reset');
    this.#o.logger.info({ kind: this.#o.kind, device: id, versions }, 'device baseline reset; it enrolls again');
    return versions;
  }

  /**
   * Starts the device's enrollment afresh under `model` (the one in service); with
   * `acceptAll`, frames join it whatever their fleet score — for a machine an engineer has
   * checked that the fleet model finds anomalous because it is unlike the training fleet.
   */
  async restart(ref: DeviceRef, model: ScoringModel, acceptAll: boolean): Promise<void> {
    const spec = model.baseline;
    if (!spec) throw new Error(`model ${model.version} scores against the fleet only; it has no baselines to enroll`);
    const id = deviceKey(ref);
    await this.#quiesced(id, () => this.#o.store.restart({ deviceId: id, kind: this.#o.kind, modelVersion: model.version }, { method: spec.method, frames: spec.frames, acceptAll }));
    for (const v of this.#versions.values()) v.devices.delete(id);
    this.#versions.get(model.version)?.devices.set(id, { ...fresh(), acceptAll, known: true, chain: Promise.resolve() });
    await this.#announce(ref, model.version, 'enrolling');
    this.#o.logger.info({ kind: this.#o.kind, device: id, version: model.version, acceptAll }, 'device enrollment restarted');
  }

  /**
   * Marks the machine faulty under `model`: its enrollment and samples are dropped and it takes
   * no more until a reset or a restarted enrollment after the repair. It stays scored against
   * the fleet (so its alerts stay capped at INFO, "not yet enrolled").
   */
  async markFaulty(ref: DeviceRef, model: ScoringModel, note: string | undefined): Promise<void> {
    const spec = model.baseline;
    if (!spec) throw new Error(`model ${model.version} scores against the fleet only; it has no baselines to enroll`);
    const id = deviceKey(ref);
    await this.#quiesced(id, () => this.#o.store.markFaulty({ deviceId: id, kind: this.#o.kind, modelVersion: model.version }, { method: spec.method, frames: this.enrollmentFrames(model) ?? spec.frames }, note));
    for (const v of this.#versions.values()) v.devices.delete(id);
    this.#versions.get(model.version)?.devices.set(id, { ...fresh(), faulty: true, known: true, chain: Promise.resolve() });
    await this.#announce(ref, model.version, 'faulty');
    this.#o.logger.info({ kind: this.#o.kind, device: id, version: model.version, note }, 'device marked faulty: it does not enroll until reset');
  }

  /**
   * Runs `change` (a reset, restart or faulty mark in the store) once the device's sample writes
   * in flight have finished, taking no new samples meanwhile: a frame scored just before an
   * engineer's action must not write its sample between the action's delete and its insert
   * (it made the insert fail, and its sample outlived the reset). The caller installs the
   * device's new state afterwards; if `change` fails, the old states are put back.
   */
  async #quiesced<T>(id: string, change: () => Promise<T>): Promise<T> {
    const held: [VersionState, DeviceState][] = [];
    for (const v of this.#versions.values()) {
      const state = v.devices.get(id);
      // A faulty stand-in: observe() skips faulty devices, so nothing new joins the chain.
      v.devices.set(id, { ...fresh(), faulty: true, known: true, chain: state?.chain ?? Promise.resolve() });
      if (state) held.push([v, state]);
    }
    await Promise.allSettled(held.map(([, state]) => state.chain));
    try {
      return await change();
    } catch (err) {
      for (const v of this.#versions.values()) v.devices.delete(id);
      for (const [v, state] of held) v.devices.set(id, state);
      throw err;
    }
  }

  async #complete(ref: DeviceRef, key: BaselineKey, spec: BaselineSpec, state: DeviceState): Promise<void> {
    const samples = await this.#o.store.samples(key, spec.frames);
    const record = spec.threshold ? await this.#o.store.get(key) : undefined;
    const target = spec.threshold ? deviceThresholdTarget(spec.threshold, record && enrollmentRate(record), this.#o.settings.falseAlarmsPerDay) : undefined;
    const baseline = await this.#o.store.complete(key, fitBaseline(spec, samples, target ? { threshold: target } : {}));
    state.baseline = baseline;
    this.#o.metrics.enrollment.inc({ kind: this.#o.kind, outcome: 'enrolled' });
    this.#o.logger.info({ kind: key.kind, device: key.deviceId, version: key.modelVersion, samples: samples.length }, 'device enrolled: its frames are now scored against its own baseline');
    await this.#announce(ref, key.modelVersion, 'ready');
  }

  async #announce(ref: DeviceRef, modelVersion: string, state: BaselineEvent['state']): Promise<void> {
    const event: BaselineEvent = { site: ref.site, device: ref.device, kind: this.#o.kind, modelVersion, state, ts: this.#clock.now() };
    await publishEvent(this.#o.bus, 'baselines', [this.#o.kind, ref], event);
  }

  #onEvent(message: BusMessage): void {
    const decoded = decodeEvent('baselines', message);
    if (!decoded.ok) {
      void this.#policy.deadLetter(message, `unreadable baseline event: ${decoded.reason}`);
      return;
    }
    const event = decoded.value;
    const id = deviceKey(event);
    if (event.state === 'reset') {
      for (const v of this.#versions.values()) v.devices.delete(id);
      message.ack();
      return;
    }
    const version = this.#versions.get(event.modelVersion);
    if (!version) {
      message.ack();
      return;
    }
    // `ready`, `enrolling` or `faulty`: the table says what the device's state now is.
    this.#o.store.get({ deviceId: id, kind: this.#o.kind, modelVersion: event.modelVersion }).then(
      (record) => {
        if (record) version.devices.set(id, { ...stateOf(record), chain: version.devices.get(id)?.chain ?? Promise.resolve() });
        else version.devices.delete(id);
        message.ack();
      },
      (err: unknown) => {
        this.#o.logger.warn({ err, device: id }, 'could not reload a device baseline; retrying');
        this.#policy.fail(message, err);
      },
    );
  }
}

/** What a stored enrollment says of the device's frame rate, once it has samples. */
function enrollmentRate(r: Pick<BaselineRecord, 'framesSeen' | 'firstSampleAt' | 'lastSampleAt'>): EnrollmentRate | undefined {
  if (!r.firstSampleAt || !r.lastSampleAt) return undefined;
  return { framesSeen: r.framesSeen, spanMs: r.lastSampleAt.getTime() - r.firstSampleAt.getTime() };
}

/** Frames per day the device sent while it enrolled, or undefined when its samples span no time yet. */
export function measuredFramesPerDay(r: Pick<BaselineRecord, 'framesSeen' | 'firstSampleAt' | 'lastSampleAt'>): number | undefined {
  const rate = enrollmentRate(r);
  return rate && framesPerDayOf(rate);
}

function fresh(): Omit<DeviceState, 'chain'> {
  return { baseline: undefined, accepted: 0, rejectedSince: 0, framesSince: 0, acceptAll: false, faulty: false, known: false, rejectedWrittenAt: 0, lastAcceptedAt: undefined };
}

function stateOf(r: BaselineRecord): DeviceState {
  return { baseline: r.baseline, accepted: r.accepted, rejectedSince: 0, framesSince: 0, acceptAll: r.acceptAll, faulty: r.faulty !== undefined, known: true, rejectedWrittenAt: 0, lastAcceptedAt: r.lastSampleAt?.getTime(), chain: Promise.resolve() };
}
