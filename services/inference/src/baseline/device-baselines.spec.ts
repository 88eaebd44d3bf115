import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { InProcessBus } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { standardNormalQuantile, type BaselineSpec } from '@premonitor/ml';
import { ManualClock } from '@premonitor/time';
import { createInferenceMetrics } from '../inference-metrics.js';
import type { ScoringModel } from '../scoring-model.js';
import type { BaselineKey, BaselineRecord, BaselineStore, EnrollmentSamples } from './baseline-store.js';
import { DeviceBaselines } from './device-baselines.js';

const spec: BaselineSpec = { method: 'mean', embedding: 2, frames: 3 };
const model = { kind: 'acoustic', version: 'v1', baseline: spec } as unknown as ScoringModel;
const ref = { site: 's', device: 'd' };

/** A store in memory that can be told to fail its next sample write. */
class MemoryStore implements BaselineStore {
  readonly samplesOf: { at: Date; embedding: Float32Array; fleetScore: number }[] = [];
  record: BaselineRecord | undefined;
  failNext = false;
  /** When set, sample writes wait for it (a slow database). */
  gate: Promise<void> | undefined;
  rejected = 0;
  framesSeen = 0;
  faulty: string | undefined;
  async load(): Promise<BaselineRecord[]> {
    return this.record ? [this.record] : [];
  }
  async get(key: BaselineKey): Promise<BaselineRecord | undefined> {
    if (this.record) return this.record;
    const at = this.samplesOf.map((x) => x.at);
    return { ...key, status: 'enrolling', method: 'mean', frames: 3, accepted: this.samplesOf.length, rejected: this.rejected, acceptAll: false, baseline: undefined, lastSampleAt: at.at(-1), startedAt: new Date(), readyAt: undefined, faulty: undefined, framesSeen: this.framesSeen, firstSampleAt: at[0], fleetOpinion: { anomalous: 0, meanScore: null } };
  }
  async addSamples(key: BaselineKey, s: EnrollmentSamples): Promise<{ accepted: number; status: 'enrolling' | 'ready' }> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    await this.gate;
    for (const e of s.embeddings) this.samplesOf.push({ at: s.at, embedding: Float32Array.from(e), fleetScore: s.fleetScore });
    this.rejected += s.rejectedSince;
    this.framesSeen += s.framesSince;
    return { accepted: this.samplesOf.length, status: 'enrolling' };
  }
  async samples(_key: BaselineKey, limit: number): Promise<Float32Array[]> {
    return this.samplesOf.slice(0, limit).map((s) => s.embedding);
  }
  async complete(key: BaselineKey, baseline: Float32Array): Promise<Float32Array> {
    this.record = { ...key, status: 'ready', method: 'mean', frames: 3, accepted: 3, rejected: this.rejected, acceptAll: false, baseline, lastSampleAt: undefined, startedAt: new Date(), readyAt: new Date(), faulty: undefined, framesSeen: this.framesSeen, firstSampleAt: undefined, fleetOpinion: { anomalous: 0, meanScore: null } };
    return baseline;
  }
  async noteRejected(_key: BaselineKey, count: number): Promise<void> {
    this.rejected += count;
  }
  async restart(): Promise<void> {}
  async markFaulty(_key: BaselineKey, _e: unknown, note: string | undefined): Promise<void> {
    this.samplesOf.length = 0;
    this.faulty = note ?? '';
  }
  async list(): Promise<BaselineRecord[]> {
    return this.record ? [this.record] : [];
  }
  async reset(): Promise<string[]> {
    return [];
  }
}

async function setup(store: MemoryStore, minIntervalMs = 10, extra: { gate?: 'fleet' | 'commissioning'; samples?: number; falseAlarmsPerDay?: number; spec?: BaselineSpec } = {}) {
  const bus = new InProcessBus();
  await bus.start();
  const baselines = new DeviceBaselines({
    kind: 'acoustic',
    settings: { enabled: true, policy: { gate: extra.gate ?? 'fleet', maxFleetScore: 0.5, minIntervalMs }, ...(extra.samples ? { samples: extra.samples } : {}), ...(extra.falseAlarmsPerDay ? { falseAlarmsPerDay: extra.falseAlarmsPerDay } : {}) },
    store,
    bus,
    logger: createLogger({ service: 'device-baselines-spec', level: 'silent' }),
    metrics: createInferenceMetrics(new Registry()),
    durable: 'spec',
    deadLetters: { record: async () => undefined },
    clock: new ManualClock(0),
  });
  const frame = (at: number, fleetScore: number, value: number) => ({ ref, at, result: { score: fleetScore, error: 0, reference: 'fleet' as const, fleetScore, embeddings: [Float32Array.of(value, -value)] } });
  return { baselines, frame };
}

describe('DeviceBaselines', () => {
  it('takes healthy, spaced samples, fits the mean once the count is in, and then gives it to the device', async () => {
    const store = new MemoryStore();
    const { baselines, frame } = await setup(store);
    await baselines.prepare(model);
    await baselines.observe(model, [frame(0, 0.1, 1), frame(5, 0.1, 100), frame(10, 0.9, 100), frame(20, 0.2, 2)]);
    assert.deepEqual(baselines.baselinesFor(model, ['s/d']), [undefined], 'two samples of three: still enrolling');
    await baselines.observe(model, [frame(30, 0.3, 3)]);
    // 5 ms after the first is too soon, 0.9 is anomalous to the fleet: neither is in the mean.
    assert.deepEqual([...baselines.baselinesFor(model, ['s/d'])![0]!], [2, -2]);
    assert.equal(store.rejected, 1, 'the left-out sample is counted');
  });

  it('commissioning: takes the first spaced frames whatever the fleet says, and enrolls from the configured count', async () => {
    const store = new MemoryStore();
    const { baselines, frame } = await setup(store, 10, { gate: 'commissioning', samples: 4 });
    await baselines.prepare(model);
    assert.equal(baselines.enrollmentFrames(model), 4, 'the configured sample count replaces the model\'s 3');
    // A real machine the fleet model finds anomalous on every frame still enrolls.
    await baselines.observe(model, [frame(0, 0.99, 1), frame(5, 0.97, 50), frame(10, 0.95, 2), frame(20, 0.9, 3)]);
    assert.deepEqual(baselines.baselinesFor(model, ['s/d']), [undefined], 'three samples of four: still enrolling');
    assert.deepEqual(store.samplesOf.map((x) => x.fleetScore), [0.99, 0.95, 0.9], 'each sample keeps its fleet score (shown, not a gate)');
    await baselines.observe(model, [frame(30, 1, 4)]);
    assert.deepEqual([...baselines.baselinesFor(model, ['s/d'])![0]!], [2.5, -2.5]);
    assert.equal(store.rejected, 0, 'nothing was left out');
    assert.equal(store.framesSeen, 5, 'every frame from the first sample on is counted for the frame rate');
  });

  it('a machine marked faulty does not enroll', async () => {
    const store = new MemoryStore();
    const { baselines, frame } = await setup(store, 10, { gate: 'commissioning' });
    await baselines.prepare(model);
    await baselines.observe(model, [frame(0, 0.2, 1)]);
    await baselines.markFaulty(ref, model, 'bearing noise heard on site');
    assert.equal(store.faulty, 'bearing noise heard on site');
    await baselines.observe(model, [frame(100, 0.2, 1), frame(200, 0.2, 2), frame(300, 0.2, 3), frame(400, 0.2, 4)]);
    assert.equal(store.samplesOf.length, 0, 'no sample taken after the mark');
    assert.deepEqual(baselines.baselinesFor(model, ['s/d']), [undefined]);
  });

  it('a sample write in flight when the machine is marked faulty finishes before the mark, not after it', async () => {
    const store = new MemoryStore();
    const { baselines, frame } = await setup(store, 10, { gate: 'commissioning' });
    await baselines.prepare(model);
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const writing = baselines.observe(model, [frame(0, 0.2, 1)]);
    const marking = baselines.markFaulty(ref, model, 'found hot on site');
    // A frame arriving while the mark waits takes no sample either.
    await baselines.observe(model, [frame(100, 0.2, 2)]);
    open();
    await Promise.all([writing, marking]);
    assert.equal(store.faulty, 'found hot on site');
    assert.equal(store.samplesOf.length, 0, 'the in-flight sample landed before the mark dropped the enrollment, not after it');
  });

  it('sets the device threshold for the false alarms per day at the frame rate the device showed', async () => {
    const withThreshold: BaselineSpec = { method: 'mean', embedding: 2, frames: 3, threshold: { framesPerDay: 8640, falseAlarmsPerDay: 1, priorSpread: 0.3, priorWeight: 4 } };
    const thresholdModel = { kind: 'acoustic', version: 'v2', baseline: withThreshold } as unknown as ScoringModel;
    const centre = async (falseAlarmsPerDay: number, everyMs: number): Promise<number> => {
      const store = new MemoryStore();
      const { baselines, frame } = await setup(store, 0, { gate: 'commissioning', falseAlarmsPerDay });
      await baselines.prepare(thresholdModel);
      await baselines.observe(thresholdModel, [frame(0, 0.1, 1), frame(everyMs, 0.1, 3), frame(2 * everyMs, 0.1, 2)]);
      const b = baselines.baselinesFor(thresholdModel, ['s/d'])![0]!;
      return b[2]!;
    };
    // One frame every 10 s is the model's 8,640 a day; a device sending every second gets a stricter quantile.
    const modelRate = await centre(1, 10_000);
    const faster = await centre(1, 1_000);
    const laxer = await centre(100, 10_000);
    assert.ok(faster > modelRate, `more frames a day, higher threshold: ${faster} > ${modelRate}`);
    assert.ok(laxer < modelRate, `more false alarms allowed, lower threshold: ${laxer} < ${modelRate}`);
    const z = (p: number) => standardNormalQuantile(p);
    // centre = mean + z·s: the difference between two targets is (z₁ − z₂)·s with the same s.
    const s = (faster - modelRate) / (z(1 - 1 / 86_400) - z(1 - 1 / 8_640));
    assert.ok(Math.abs(modelRate - laxer - (z(1 - 1 / 8_640) - z(1 - 100 / 8_640)) * s) < 1e-4, 'the quantile is the target over the measured rate');
  });

  it('lets a sample whose write failed be taken again on redelivery', async () => {
    const store = new MemoryStore();
    const { baselines, frame } = await setup(store);
    await baselines.prepare(model);
    store.failNext = true;
    await assert.rejects(baselines.observe(model, [frame(0, 0.1, 1)]), /database down/);
    await baselines.observe(model, [frame(0, 0.1, 1)]);
    assert.equal(store.samplesOf.length, 1, 'the redelivered frame is accepted, not "too soon"');
  });

  it('scores every device against the fleet when switched off', async () => {
    const store = new MemoryStore();
    const baselines = new DeviceBaselines({ kind: 'acoustic', settings: { enabled: false, policy: { maxFleetScore: 0.5, minIntervalMs: 0 } }, store, bus: new InProcessBus(), logger: createLogger({ service: 'spec', level: 'silent' }), metrics: createInferenceMetrics(new Registry()), durable: 'spec', deadLetters: { record: async () => undefined } });
    await baselines.prepare(model);
    assert.equal(baselines.baselinesFor(model, ['s/d']), undefined);
  });
});
