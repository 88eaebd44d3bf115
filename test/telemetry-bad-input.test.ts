// Telemetry scoring under bad input, on both adapter pairs: an undecodable event, a sensor of
// the model gone silent, a device whose sensors were renamed. Each ends as one clear dead
// letter and a status that says what is wrong; the consumer carries on, every valid window
// is scored and stored, and a restart resumes scoring from the stored model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { busSubjects, telemetryModelEvent, type DeviceRef, type TelemetryEvent, type TelemetryModelEvent } from '@premonitor/contracts';
import { publishEvent } from '@premonitor/bus';
import { createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { DEFAULT_DEVICE_MODEL_OPTIONS, TelemetryScoring, type TelemetryScoringSettings } from '@premonitor/telemetry-scoring';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'telemetry-bad-input-test', level: 'silent' });
// Whole seconds, so the step of message i ends at T0 + i s + 999 ms.
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

/** A healthy pump: flow and current follow one fast-varying load, plus a little noise. */
function healthy(i: number): Record<string, number> {
  const load = Math.sin(i * 1.1) + 0.5 * Math.sin(i * 2.3);
  const noise = (k: number) => 0.1 * ((Math.sin(i * 12.9898 + k * 78.233) * 43758.5453) % 1);
  return { 'Volume Flow RateRMS': 30 + 2 * load + noise(1), Current: 1.5 + 0.2 * load + 0.02 * noise(2), 'Pressure (bar)': 2 + 0.1 * load + 0.01 * noise(3) };
}

for (const mode of await busAndDatabaseModes('telemetry-bad', logger)) {
  describe(`telemetry scoring with bad input, ${mode.name}`, { skip: mode.skip, timeout: 300_000 }, () => {
    const site = `tb-${randomBytes(3).toString('hex')}`;
    const durable = `telemetry-scoring-${site}`;
    const settings: TelemetryScoringSettings = {
      site,
      durable,
      deliverPolicy: 'all',
      deadLetterMaxBytes: 64 * 1024,
      tracker: { stepMs: 0, discoveryMessages: 5, maxGapSteps: 3, enrollRows: 100, maxSensors: 32, model: DEFAULT_DEVICE_MODEL_OPTIONS },
    };
    let env: BusAndDatabase;
    let scoring: TelemetryScoring;
    let published = 0;
    const modelEvents: TelemetryModelEvent[] = [];

    before(async () => {
      env = await mode.open();
      await env.bus.consume({ stream: busSubjects.telemetryScores.stream, durable: `tap-${site}`, filterSubject: busSubjects.telemetryScores.ofSite(site) }, (m) => {
        published++;
        m.ack();
      });
      // What model sync reacts to: a device's model fitted (or reset).
      await env.bus.consume({ stream: busSubjects.telemetryModels.stream, durable: `tap-models-${site}`, filterSubject: busSubjects.telemetryModels.ofSite(site) }, (m) => {
        modelEvents.push(telemetryModelEvent.parse(JSON.parse(Buffer.from(m.data).toString())));
        m.ack();
      });
      scoring = new TelemetryScoring(settings, { db: env.db, bus: env.bus, logger, registry: createRegistry('telemetry-bad-input-test', false) });
      await scoring.start();
    });

    after(async () => {
      await scoring?.stop();
      await env?.stop();
    });

    const send = (ref: DeviceRef, i: number, readings: Record<string, number>) => {
      const event: TelemetryEvent = { ...ref, ts: T0 + i * 1000, seq: i, readings, receivedAt: T0 + i * 1000 };
      return publishEvent(env.bus, 'telemetry', [ref], event, { msgId: `${ref.site}.${ref.device}.${i}` });
    };
    const deadLetters = async (ref: DeviceRef) =>
      env.db.db.selectFrom('dead_letters').select(['reason', 'source', 'topic']).where('device_id', '=', `${ref.site}/${ref.device}`).orderBy('id').execute();
    const storedScores = async (ref: DeviceRef) =>
      Number((await env.db.db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', `${ref.site}/${ref.device}`).where('kind', '=', 'telemetry').executeTakeFirstOrThrow()).n);

    it('dead-letters an undecodable event and a silent sensor once each, scores everything valid around them', async () => {
      const ref = { site, device: 'pump-a' };
      for (let i = 0; i < 150; i++) await send(ref, i, healthy(i));
      await waitFor('pump-a enrolled and scored', () => scoring.status(ref)?.lastScore?.ts === T0 + 148 * 1000 + 999, 60_000);
      assert.equal(scoring.status(ref)!.state, 'ready');
      const fitted = await waitFor('the fit announced on the bus', () => modelEvents.find((e) => e.device === 'pump-a'), 10_000);
      assert.deepEqual([fitted.state, fitted.modelVersion], ['fitted', scoring.status(ref)!.modelVersion]);

      // Not JSON, and a reading that is not a number: ingest would never publish these, a broken producer might.
      await env.bus.publish(busSubjects.telemetry.subject(ref), new TextEncoder().encode('{"site":"x"'));
      await env.bus.publish(busSubjects.telemetry.subject(ref), new TextEncoder().encode(JSON.stringify({ ...ref, ts: T0 + 150_500, seq: 9999, readings: { Current: 'NaN' }, receivedAt: T0 })));
      // Current goes silent for 10 s: beyond the 3-step gap limit.
      for (let i = 150; i < 160; i++) {
        const { Current: _, ...rest } = healthy(i);
        await send(ref, i, rest);
      }
      await waitFor('pump-a paused', () => scoring.status(ref)?.state === 'paused', 30_000);
      assert.deepEqual(scoring.status(ref)!.missingSensors, ['Current']);
      for (let i = 160; i < 220; i++) await send(ref, i, healthy(i));
      await waitFor('pump-a scored again', () => scoring.status(ref)?.lastScore?.ts === T0 + 218 * 1000 + 999, 60_000);
      assert.equal(scoring.status(ref)!.state, 'ready');

      const letters = await deadLetters(ref);
      assert.equal(letters.length, 3, JSON.stringify(letters));
      assert.match(letters[0]!.reason, /^invalid telemetry event/);
      assert.match(letters[1]!.reason, /^invalid telemetry event: .*readings/);
      assert.match(letters[2]!.reason, /Current .*scoring paused/);
      assert.ok(letters.every((l) => l.source === durable && l.topic === busSubjects.telemetry.subject(ref)));

      // Rows 0–99 enroll; a window is 20 complete rows: rows 119–149 score (31); Current's last
      // value fills rows 150–152 (gap limit 3, 3 more), row 153 pauses; from row 160 the window
      // refills, rows 179–218 score (40). Nothing valid is dropped, nothing invalid is scored.
      assert.equal(await storedScores(ref), 31 + 3 + 40);
      const scored = 74;
      await waitFor('every stored window published', () => published >= scored, 30_000);
    });

    it('a device whose sensors were renamed: one dead letter naming them, a status listing the new ones; reset re-enrolls on them', async () => {
      const ref = { site, device: 'pump-b' };
      for (let i = 0; i < 130; i++) await send(ref, i, healthy(i));
      await waitFor('pump-b enrolled', () => scoring.status(ref)?.state === 'ready', 60_000);
      const renamed = (i: number) => Object.fromEntries(Object.entries(healthy(i)).map(([k, v]) => [`${k} #2`, v]));
      for (let i = 130; i < 140; i++) await send(ref, i, renamed(i));
      await waitFor('pump-b paused', () => scoring.status(ref)?.state === 'paused', 30_000);
      const status = scoring.status(ref)!;
      assert.equal(status.unmodelledSensors.length, 3);
      assert.match(status.problem ?? '', /reset/);
      const letters = await deadLetters(ref);
      assert.equal(letters.length, 1);
      assert.match(letters[0]!.reason, /Current/);
    });

    it('resumes scoring after a restart from the stored model, without enrolling again', async () => {
      const ref = { site, device: 'pump-a' };
      await scoring.stop();
      scoring = new TelemetryScoring(settings, { db: env.db, bus: env.bus, logger, registry: createRegistry('telemetry-bad-input-test-2', false) });
      await scoring.start();
      const before = await storedScores(ref);
      for (let i = 220; i < 260; i++) await send(ref, i, healthy(i));
      await waitFor('pump-a scored after restart', () => scoring.status(ref)?.lastScore?.ts === T0 + 258 * 1000 + 999, 60_000);
      assert.equal(scoring.status(ref)!.enrollment.rows, 100);
      assert.ok((await storedScores(ref)) - before >= 19);
    });
  });
}
