// Spectral input drift of acoustic models (issue 14, item 7): generated clips whose spectrum
// moves while their level and crest factor do not are flagged against the spectrum the model was
// trained on; clips of the same spectrum are not; a model without a spectral reference is judged
// on the level statistics only and the drift API says so. Inputs are summarised by inference's
// own `inputSummary`, as it publishes them with each score. Embedded and distributed modes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import type { ScoreEvent } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { inputSummary } from '@premonitor/inference';
import { SeededRandom } from '@premonitor/ml/data';
import { BAND_EDGES_HZ, bandEnergyShares, meanBandShares } from '@premonitor/ml/scoring';
import { DriftMonitor, scoreReferenceOf, scoreReferenceRepository, spectrumReferenceRepository, type DriftSettings, type KindDrift } from '@premonitor/retraining';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';

const logger = createLogger({ service: 'spectral-drift-test', level: process.env.TEST_LOG ? 'info' : 'silent' });
const settings: DriftSettings = { window: 40, minWindow: 30, bins: 5, psiThreshold: 0.25, jsThreshold: 0.3, referenceFrames: 40, alertScore: 0.85 };
const RATE = 16_000;
/** Evenly spread in [0, 1): the same sequence of levels for every group of clips. */
const spread = (i: number) => ((i * 37) % 100) / 100;

/**
 * The i-th 1-s clip: 12 tones at random frequencies (150–700 Hz) and phases plus a little white
 * noise, scaled to an RMS that depends only on `i` (−30…−18 dBFS). `octaveUp`: the same signal
 * read at every other sample, i.e. every frequency doubled with (nearly) the same samples, so
 * the same level and crest factor: only the spectrum moves.
 */
function clip(i: number, octaveUp = false): Int16Array {
  const random = new SeededRandom(1_000 + i);
  const tones = Array.from({ length: 12 }, () => ({ f: 150 + 550 * random.next(), phase: random.next() * 2 * Math.PI }));
  const signal = (t: number) => tones.reduce((sum, { f, phase }) => sum + Math.sin((2 * Math.PI * f * t) / RATE + phase), 0);
  const x = Float64Array.from({ length: RATE }, (_, t) => signal(octaveUp ? 2 * t : t) + 0.05 * random.gaussian());
  const rms = Math.sqrt(x.reduce((sum, v) => sum + v * v, 0) / x.length);
  const target = 32_768 * 10 ** ((-30 + 12 * spread(i)) / 20);
  return Int16Array.from(x, (v) => Math.round((v / rms) * target));
}

for (const mode of await busAndDatabaseModes('spectral-drift', logger)) {
  describe(`spectral input drift of acoustic models, ${mode.name}`, { skip: mode.skip, timeout: 120_000 }, () => {
    const site = `sd-${randomBytes(4).toString('hex')}`;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    let env: BusAndDatabase;
    let production = 'with-spectrum';
    let seq = 0;
    const monitor = () => new DriftMonitor({ db: env.db.db, bus: env.bus, clock, logger, metrics: new Registry(), production: async () => production }, settings);
    /** A clip as inference scores it: a healthy-looking score and the clip's input summary. */
    const frame = (device: string, samples: Int16Array, i: number): ScoreEvent => {
      const input = inputSummary({ kind: 'acoustic', ts: clock.now(), seq: ++seq, sampleRate: RATE, samples })!;
      return { site, device, kind: 'acoustic', ts: clock.now(), seq, score: spread(i) / 2, modelVersion: production, latencyMs: 1, input };
    };
    const deviceOf = (d: KindDrift, device: string) => d.devices.find((x) => x.device.device === device);

    before(async () => {
      env = await mode.open();
      for (const version of ['with-spectrum', 'without-spectrum']) await scoreReferenceRepository.save(env.db.db, scoreReferenceOf('acoustic', version, 'held-out', Array.from({ length: 100 }, (_, i) => spread(i) / 2), 5, 0.85));
      // What a run stores: the mean band shares of the healthy clips it trained on.
      const training = Array.from({ length: 50 }, (_, i) => bandEnergyShares(clip(100 + i), RATE));
      await spectrumReferenceRepository.save(env.db.db, 'acoustic', 'with-spectrum', { bandsHz: BAND_EDGES_HZ, shares: meanBandShares(training)!, count: training.length });
    });

    after(async () => {
      await env?.stop();
    });

    it('flags a device whose clips moved to other bands at the same level, not one whose clips have the training spectrum', async () => {
      const m = monitor();
      // The first 40 frames (healthy, another device) fix the level statistics' live reference.
      for (let i = 0; i < 40; i++) await m.observe(frame('mic-warmup', clip(i), i));
      for (let i = 0; i < 40; i++) await m.observe(frame('mic-same', clip(40 + i), i));
      for (let i = 0; i < 40; i++) await m.observe(frame('mic-shifted', clip(i, true), i));
      const status = await m.status('acoustic');
      assert.deepEqual(status.spectralReference?.bandsHz, BAND_EDGES_HZ);
      assert.match(status.inputBasis, /^band energies/);
      const same = deviceOf(status, 'mic-same')!;
      const shifted = deviceOf(status, 'mic-shifted')!;
      assert.equal(same.drifting, false, JSON.stringify(same));
      assert.ok(same.inputPsi.spectrum! < 0.25 * 0.8, JSON.stringify(same.inputPsi));
      assert.equal(shifted.drifting, true, JSON.stringify(shifted));
      assert.ok(shifted.inputPsi.spectrum! >= 0.25, JSON.stringify(shifted.inputPsi));
      // Only the spectrum moved: the level statistics and the scores did not.
      for (const d of [same, shifted]) {
        assert.ok(d.psi! < 0.25 && d.inputPsi.level! < 0.25 && d.inputPsi.spread! < 0.25, `${d.device.device}: score PSI ${d.psi}, inputs ${JSON.stringify(d.inputPsi)}`);
      }
    });

    it('judges a model without a spectral reference on the level statistics only, and says so', async () => {
      production = 'without-spectrum';
      const m = monitor();
      for (let i = 0; i < 40; i++) await m.observe(frame('mic-warmup', clip(i), i));
      for (let i = 0; i < 40; i++) await m.observe(frame('mic-shifted', clip(i, true), i));
      const status = await m.status('acoustic');
      assert.equal(status.spectralReference, null);
      assert.match(status.inputBasis, /level statistics only: no spectral reference/);
      const shifted = deviceOf(status, 'mic-shifted')!;
      assert.equal(shifted.inputPsi.spectrum, undefined, JSON.stringify(shifted.inputPsi));
      assert.ok(shifted.inputPsi.level !== undefined, JSON.stringify(shifted.inputPsi));
      assert.equal(shifted.drifting, false, 'the level statistics alone do not see the move');
    });
  });
}
