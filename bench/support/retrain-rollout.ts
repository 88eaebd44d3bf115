// The rollout case of `npm run bench -- retrain`: a deliberately bad candidate (the acoustic
// case's third run, refused by the gate) promoted with `force` as an admin would, and
// whether the rollout watch rolls it back by itself. Live frames (the real MIMII healthy clips,
// PCM through the bus) go through the real inference, which publishes the scores the model
// watch reads; first under the production model until the watch has learned its live reference,
// then under the forced candidate until the watch decides or the frame budget is spent.
import { Registry } from 'prom-client';
import type { Kysely, KyselyPlugin } from 'kysely';
import { busSubjects, deviceMessageId, encodeFrame } from '@premonitor/contracts';
import type { Bus } from '@premonitor/bus';
import type { Database, DatabaseHandle } from '@premonitor/db';
import { createRegistry } from '@premonitor/http';
import { Inference } from '@premonitor/inference';
import type { Logger } from '@premonitor/log';
import type { ModelRegistry } from '@premonitor/registry';
import { ModelWatch, binCounts, populationStabilityIndex, scoreReferenceRepository, type ModelWatchSettings } from '@premonitor/retraining';
import { percentile, round } from '@premonitor/testkit';
import { systemClock } from '@premonitor/time';

/** A healthy live clip of one device: 16-bit PCM. */
export interface LiveClip {
  readonly device: string;
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

interface RolloutCaseContext {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  readonly site: string;
  /** The version to force into production. */
  readonly badVersion: string;
  readonly clips: readonly LiveClip[];
}

/**
 * The watch's settings for the bench: the service's defaults (`DRIFT_*`, `ROLLOUT_*`) except
 * a live reference from 200 frames instead of 500, so the case takes about a minute.
 */
export const BENCH_WATCH_SETTINGS: Omit<ModelWatchSettings, 'durablePrefix' | 'site'> = {
  drift: { window: 300, minWindow: 100, bins: 10, psiThreshold: 0.25, jsThreshold: 0.3, referenceFrames: 200, alertScore: 0.85 },
  rollout: { watchMs: 3_600_000, minFrames: 200, minDeviceFrames: 20, maxOverRateRise: 0.2, maxPsi: 2, judgeEveryFrames: 50, judgeEveryMs: 1_000, claimLeaseMs: 60_000 },
};
/** Frames fed under the forced candidate before the case gives up (the watch decides from 200 on). */
const MAX_FRAMES_AFTER_PROMOTION = 1_000;

export interface RolloutOutcome {
  readonly rolledBack: boolean;
  /** Promotion → the rollback recorded, in seconds (null without one). */
  readonly rollbackS: number | null;
  /** Frames of the bad model published before the decision. */
  readonly framesAfterPromotion: number;
  readonly decision: unknown;
}

export async function rolloutCase(c: RolloutCaseContext): Promise<RolloutOutcome> {
  const db: Kysely<Database> = c.db.db;
  const acoustic = await c.registry.production('acoustic');
  if (!acoustic) throw new Error('the rollout case needs a production acoustic model');
  // The rollout watch's cost: statements on its tables (model_rollout*), whatever the load.
  let rolloutStatements = 0;
  const counting: KyselyPlugin = { transformQuery: (args) => (JSON.stringify(args.node).includes('model_rollout') && rolloutStatements++, args.node), transformResult: async (args) => args.result };
  const watch = new ModelWatch({ db: db.withPlugin(counting), bus: c.bus, registry: c.registry, clock: systemClock, logger: c.logger, metrics: new Registry() }, { ...BENCH_WATCH_SETTINGS, durablePrefix: 'bench-rollout', site: c.site });
  const inference = new Inference(
    { kind: 'acoustic', batchSize: 16, batchMaxWaitMs: 5, ortThreads: 1, maxAckPending: 200, maxUploadBytes: 1 << 20, deadLetterMaxBytes: 1_024, instanceId: 'bench-rollout', retryDelayMs: 100, consumerName: 'bench_rollout_inference', deliverPolicy: 'new' },
    { db: c.db, bus: c.bus, logger: c.logger, registry: createRegistry('bench-rollout-inference', false), models: c.registry },
  );
  await watch.start();
  await inference.start();
  let seq = 0;
  /** Publishes `n` clips round-robin and waits until inference stored all their scores; returns the versions that scored them. */
  const feed = async (n: number) => {
    const first = seq + 1;
    for (let i = 0; i < n; i++) {
      seq++;
      const clip = c.clips[seq % c.clips.length]!;
      const ref = { site: c.site, device: clip.device };
      await c.bus.publish(busSubjects.frames.subject('acoustic', ref), encodeFrame({ kind: 'acoustic', ts: Date.now(), seq, sampleRate: clip.sampleRate, samples: clip.samples }), { msgId: deviceMessageId(ref, 'acoustic', seq) });
    }
    for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const rows = await db.selectFrom('scores').select(['model_version']).where('device_id', 'like', `${c.site}/%`).where('seq', '>=', first).execute();
      if (rows.length >= n) return rows.map((r) => r.model_version);
    }
    throw new Error(`inference scored fewer than ${n} of the rollout case's frames in 120 s`);
  };
  const rollout = () => db.selectFrom('model_rollouts').selectAll().where('kind', '=', 'acoustic').where('version', '=', c.badVersion).executeTakeFirst();
  const caseStart = performance.now();
  try {
    // The production model's live reference (it may have a held-out one already; then this only warms up).
    await feed(BENCH_WATCH_SETTINGS.drift.referenceFrames);
    for (let i = 0; i < 60 && !(await db.selectFrom('model_score_references').select('version').where('kind', '=', 'acoustic').where('version', '=', acoustic.version).executeTakeFirst()); i++) await new Promise((r) => setTimeout(r, 500));
    const promotedAt = Date.now();
    const statementsBefore = rolloutStatements;
    await c.registry.promote('acoustic', c.badVersion, '', { force: true, reason: 'bench: a deliberately bad candidate, forced as an admin would' });
    let framesAfter = 0;
    let decided: Awaited<ReturnType<typeof rollout>>;
    while (framesAfter < MAX_FRAMES_AFTER_PROMOTION) {
      const versions = await feed(50);
      framesAfter += versions.filter((v) => v === c.badVersion).length;
      decided = await rollout();
      if (decided && decided.status !== 'watching') break;
    }
    decided = await rollout();
    console.log(`rollout watch: ${rolloutStatements - statementsBefore} statements on its tables from the promotion to the end of the case (${decided?.frames ?? 0} frames counted)`);
    const rolledBack = decided?.status === 'rolled_back' && (await c.registry.production('acoustic'))?.version === acoustic.version;
    const rollbackS = rolledBack && decided?.decided_at ? round((decided.decided_at.getTime() - promotedAt) / 1000, 1) : null;
    // What the watch compared, whatever it decided: each model's share over the alert score and the kind-wide PSI.
    const reference = await scoreReferenceRepository.get(db, 'acoustic', acoustic.version);
    const rowsOf = (version: string) => db.selectFrom('scores').select(['score', 'device_id']).where('device_id', 'like', `${c.site}/%`).where('model_version', '=', version).execute();
    const [beforeRows, afterRows] = [await rowsOf(acoustic.version), await rowsOf(c.badVersion)];
    const [before, after] = [beforeRows.map((r) => r.score), afterRows.map((r) => r.score)];
    const q = (xs: readonly number[]) => [50, 90, 99].map((p) => round(percentile([...xs], p), 3)).join('/');
    const over = (xs: readonly number[]) => round(xs.filter((x) => x > BENCH_WATCH_SETTINGS.drift.alertScore).length / Math.max(1, xs.length), 3);
    const psi = reference && after.length > 0 ? round(populationStabilityIndex(reference.shares, binCounts(after, reference.edges)), 3) : null;
    console.log(`rollout case figures: ${acoustic.version} ${before.length} frames, ${over(before)} over ${BENCH_WATCH_SETTINGS.drift.alertScore}, p50/p90/p99 ${q(before)} (reference ${reference?.source ?? 'none'}: ${reference ? round(reference.overRate, 3) : 'n/a'}); ${c.badVersion} ${after.length} frames, ${over(after)} over, p50/p90/p99 ${q(after)}, PSI against the reference ${psi} (limits: rise ${BENCH_WATCH_SETTINGS.rollout.maxOverRateRise}, PSI ${BENCH_WATCH_SETTINGS.rollout.maxPsi}); case ${round((performance.now() - caseStart) / 1000, 1)} s`);
    // Per machine (the device name without its microphone): which healthy machines the bad model flags.
    const machineOf = (id: string) => id.slice(c.site.length + 1).replace(/-mic\d+$/, '');
    const machines = [...new Set(afterRows.map((r) => machineOf(r.device_id)))].sort();
    console.log(`  ${c.badVersion} over ${BENCH_WATCH_SETTINGS.drift.alertScore} by machine: ${machines.map((m) => `${m} ${over(afterRows.filter((r) => machineOf(r.device_id) === m).map((r) => r.score))}`).join(', ')}`);
    console.log(`rollout case: ${c.badVersion} forced into production over ${acoustic.version}; ${framesAfter} frames of it scored; watch ${decided?.status ?? 'never opened'}${rolledBack ? ` — rolled back by itself ${rollbackS} s after the promotion` : ''}; ${JSON.stringify(decided?.decision ?? null).slice(0, 600)}`);
    return { rolledBack, rollbackS, framesAfterPromotion: framesAfter, decision: decided?.decision ?? null };
  } finally {
    await inference.stop();
    await watch.stop();
  }
}
