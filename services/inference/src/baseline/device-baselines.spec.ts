import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { InProcessBus } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import type { BaselineSpec } from '@premonitor/ml';
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
  readonly samplesOf: { at: Date; embedding: Float32Array }[] = [];
  record: BaselineRecord | undefined;
  failNext = false;
  rejected = 0;
  async load(): Promise<BaselineRecord[]> {
    return this.record ? [this.record] : [];
  }
  async get(): Promise<BaselineRecord | undefined> {
    return this.record;
  }
  async addSamples(key: BaselineKey, s: EnrollmentSamples): Promise<{ accepted: number; status: 'enrolling' | 'ready' }> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    for (const e of s.embeddings) this.samplesOf.push({ at: s.at, embedding: Float32Array.from(e) });
    this.rejected += s.rejectedSince;
    return { accepted: this.samplesOf.length, status: 'enrolling' };
  }
  async samples(_key: BaselineKey, limit: number): Promise<Float32Array[]> {
    return this.samplesOf.slice(0, limit).map((s) => s.embedding);
  }
  async complete(key: BaselineKey, baseline: Float32Array): Promise<Float32Array> {
    this.record = { ...key, status: 'ready', method: 'mean', frames: 3, accepted: 3, rejected: this.rejected, acceptAll: false, baseline, lastSampleAt: undefined, startedAt: new Date(), readyAt: new Date() };
    return baseline;
  }
  async noteRejected(_key: BaselineKey, count: number): Promise<void> {
    this.rejected += count;
  }
  async restart(): Promise<void> {}
  async list(): Promise<BaselineRecord[]> {
    return this.record ? [this.record] : [];
  }
  async reset(): Promise<string[]> {
    return [];
  }
}

async function setup(store: MemoryStore, minIntervalMs = 10) {
  const bus = new InProcessBus();
  await bus.start();
  const baselines = new DeviceBaselines({
    kind: 'acoustic',
    settings: { enabled: true, policy: { maxFleetScore: 0.5, minIntervalMs } },
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
