import { resolve } from 'node:path';
import { loadConfig } from '@premonitor/config';
import { CORE_SCHEMA, databaseDeadLetters } from '@premonitor/db';
import { FORECASTING_SCHEMA } from '@premonitor/forecasting/schema';
import { INGEST_SCHEMA } from '@premonitor/ingest/schema';
import { INFERENCE_SCHEMA } from '@premonitor/inference/schema';
import type { Subscription } from '@premonitor/bus';
import { ConsumerPolicy } from '@premonitor/resilience';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { FileArtifactStore, REGISTRY_SCHEMA, sharedModelRegistry, sharedRegistryBackups } from '@premonitor/registry';
import type { ServiceModule } from '@premonitor/runtime';
import { systemClock } from '@premonitor/time';
import { retrainingConfigShape, type RetrainingConfig } from './retraining-config.js';
import { DEFAULT_SAMPLE_LIMITS, type SampleLimits } from './samples/sample-decoder.js';
import { createSampleRouter } from './samples/sample-api.js';
import { SampleIntake } from './samples/sample-intake.js';
import { FeedbackSamples, consumeFeedback } from './samples/feedback-samples.js';
import { RETRAINING_SCHEMA } from './schema.js';
import { RetrainingRunner, TRAINABLE_KINDS } from './runs/retraining-runner.js';
import { RetrainingTriggers } from './runs/retraining-triggers.js';
import { runRepository } from './runs/run-repository.js';
import { sampleRepository } from './samples/sample-repository.js';
import { createRunRouter } from './runs/run-api.js';
import { createDriftApi } from './drift/drift-api.js';
import { ModelWatch, type ModelWatchSettings } from './drift/model-watch.js';
import { TRIAGE_ROUTES, createTriageRouter } from './triage/triage-api.js';
import { TriageScorer } from './triage/triage-scorer.js';
import { TriageTraining } from './triage/triage-training.js';
import { REPORT_ROUTES, createReportRouter } from './reports/report-api.js';
import { ReportIntake } from './reports/report-intake.js';
import { consumeReports } from './reports/report-consumer.js';

/** The model watch's settings a config sets (DRIFT_*, ROLLOUT_*, MODEL_WATCH_*). */
export function modelWatchSettings(config: RetrainingConfig): ModelWatchSettings {
  return {
    drift: {
      window: config.DRIFT_WINDOW,
      minWindow: config.DRIFT_MIN_WINDOW,
      bins: config.DRIFT_BINS,
      psiThreshold: config.DRIFT_PSI_THRESHOLD,
      jsThreshold: config.DRIFT_JS_THRESHOLD,
      referenceFrames: config.DRIFT_REFERENCE_FRAMES,
      alertScore: config.DRIFT_ALERT_SCORE,
    },
    rollout: {
      watchMs: config.ROLLOUT_WATCH_MS,
      minFrames: config.ROLLOUT_MIN_FRAMES,
      minDeviceFrames: config.ROLLOUT_MIN_DEVICE_FRAMES,
      maxOverRateRise: config.ROLLOUT_MAX_OVER_RATE_RISE,
      maxPsi: config.ROLLOUT_MAX_PSI,
      judgeEveryFrames: config.ROLLOUT_JUDGE_EVERY_FRAMES,
      judgeEveryMs: config.ROLLOUT_JUDGE_EVERY_MS,
      claimLeaseMs: config.ROLLOUT_CLAIM_LEASE_MS,
    },
    durablePrefix: config.MODEL_WATCH_DURABLE_PREFIX,
    site: config.MODEL_WATCH_SITE,
  };
}

/** The sample limits a config sets. */
export function sampleLimitsFrom(config: RetrainingConfig): SampleLimits {
  return {
    ...DEFAULT_SAMPLE_LIMITS,
    maxFileBytes: config.SAMPLE_MAX_FILE_BYTES,
    wav: { ...DEFAULT_SAMPLE_LIMITS.wav, maxSeconds: config.SAMPLE_MAX_SECONDS },
    thermalMinSide: config.SAMPLE_THERMAL_MIN_SIDE,
    thermalMaxSide: config.SAMPLE_THERMAL_MAX_SIDE,
  };
}

/**
 * Retraining (issue 14): labelled samples in, runs under a lease, the champion/challenger gate
 * (promote and rollback: model-sync), and the model watch — drift of every production model per
 * device, and the rollout watch that rolls a promotion back by itself; the triage API and maintenance reports (issue 18).
 */
export const retrainingModule: ServiceModule<RetrainingConfig> = {
  name: 'retraining',
  config: (env) => loadConfig(retrainingConfigShape, env),
  // Forecasting created `samples`; ingest's `devices` says which devices are known; inference's
  // `recent_frames` holds the frames an alert verdict labels (docs/ARCHITECTURE.md, cross-module reads).
  schema: [CORE_SCHEMA, REGISTRY_SCHEMA, FORECASTING_SCHEMA, INGEST_SCHEMA, INFERENCE_SCHEMA, RETRAINING_SCHEMA],
  routes: [
    { method: 'POST', path: '/api/v1/samples', permission: 'write:samples', site: 'fleet' },
    { method: 'GET', path: '/api/v1/samples', permission: 'read:samples', site: 'fleet' },
    { method: 'POST', path: '/api/v1/retraining/runs', permission: 'admin:retraining', site: 'fleet' },
    { method: 'GET', path: '/api/v1/retraining/runs/:id', permission: 'read:retraining', site: 'fleet' },
    { method: 'GET', path: '/api/v1/retraining/runs/:id/report.png', permission: 'read:retraining', site: 'fleet' },
    { method: 'GET', path: '/api/v1/retraining/runs/:id/events', permission: 'read:retraining', site: 'fleet' },
    { method: 'POST', path: '/api/v1/retraining/runs/:id/cancel', permission: 'admin:retraining', site: 'fleet' },
    { method: 'GET', path: '/api/v1/retraining/history', permission: 'read:retraining', site: 'fleet' },
    {
      method: 'GET',
      path: '/api/v1/models/:kind/drift',
      permission: 'read:models',
      site: 'fleet',
      docs: { summary: "Drift of a kind's production model (acoustic, thermal): its reference score distribution, thresholds, and each device's window with PSI, JS distance and verdict" },
    },
    ...TRIAGE_ROUTES,
    ...REPORT_ROUTES,
  ],
  create: (config, context) => {
    const { db, logger } = context;
    const limits = sampleLimitsFrom(config);
    const sampleStore = new FileArtifactStore(resolve(config.SAMPLE_STORE_DIR));
    const intake = new SampleIntake({ db: db.db, store: sampleStore, limits, clock: systemClock, logger: logger.child({ component: 'samples' }) });
    const samples = createSampleRouter(intake, db.db, { maxFileBytes: limits.maxFileBytes, maxFiles: config.SAMPLE_MAX_FILES, maxRequestBytes: config.SAMPLE_MAX_REQUEST_BYTES });
    const registry = sharedModelRegistry(context, config.MODEL_STORE_DIR);
    const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const runner = new RetrainingRunner({
      db: db.db,
      registry,
      sampleStoreDir: config.SAMPLE_STORE_DIR,
      logger: logger.child({ component: 'runs' }),
      clock: systemClock,
      owner,
      leaseMs: config.RETRAINING_LEASE_MS,
      renewMs: config.RETRAINING_RENEW_MS,
      heldOutFraction: config.RETRAINING_HELD_OUT_PERCENT / 100,
      minSamples: config.RETRAINING_MIN_SAMPLES,
      trainNice: config.RETRAINING_TRAIN_NICE,
      gate: config.RETRAINING_GATE,
      scoreReference: { bins: config.DRIFT_BINS, alertScore: config.DRIFT_ALERT_SCORE },
    });
    const watch = new ModelWatch(
      {
        db: db.db,
        bus: context.bus,
        registry,
        clock: systemClock,
        logger,
        metrics: context.registry,
        ...(config.RETRAINING_ON_DRIFT ? { onDrift: (e) => void triggers.drifted(e.kind, `${e.site}/${e.device} PSI ${e.psi} (threshold ${e.psiThreshold}), JS distance ${e.jsDistance} (threshold ${e.jsThreshold}) over ${e.window} scores of ${e.modelVersion}`).catch((err: unknown) => logger.warn({ err }, 'drift trigger failed')) } : {}),
      },
      modelWatchSettings(config),
    );
    const backups = sharedRegistryBackups(context, config.MODEL_STORE_DIR);
    const scorer = new TriageScorer(registry, logger.child({ component: 'triage' }));
    const triage = new TriageTraining({ db: db.db, registry, backups, scorer, logger: logger.child({ component: 'triage' }), clock: systemClock, owner, leaseMs: config.RETRAINING_LEASE_MS, renewMs: config.RETRAINING_RENEW_MS });
    const reports = new ReportIntake({ db: db.db, scorer, bus: context.bus, clock: systemClock, logger: logger.child({ component: 'reports' }) });
    const routers = [samples, createRunRouter(runner, db.db, sampleStore), createTriageRouter({ db: db.db, training: triage, scorer, backups, registry }), createDriftApi(watch.drift), createReportRouter({ db: db.db, intake: reports, clock: systemClock })].map((router) => ({ path: '/api/v1', router }));
    const triggers = new RetrainingTriggers(
      {
        countSince: (kind, since) => sampleRepository.count(db.db, { kind, ...(since ? { since } : {}) }),
        lastStart: (kind) => runRepository.lastStart(db.db, kind),
        run: (req) => runner.run(req),
      },
      { kinds: TRAINABLE_KINDS, threshold: config.RETRAINING_THRESHOLD, schedule: config.RETRAINING_SCHEDULE, checkMs: config.RETRAINING_CHECK_MS, quick: config.RETRAINING_QUICK },
      systemClock,
      logger.child({ component: 'triggers' }),
    );
    const feedback = new FeedbackSamples({ db: db.db, intake, logger: logger.child({ component: 'feedback' }), marginMs: config.FEEDBACK_MARGIN_MS });
    // An engineer's verdict on an alert (fusion, pm.feedback.*) labels the frames behind it.
    const feedbackPolicy = new ConsumerPolicy({ consumer: 'retraining-feedback', deadLetters: databaseDeadLetters(db.db), logger });
    let feedbackSubscription: Subscription | undefined;
    // Reports written on alerts (fusion, pm.reports.submitted.*) are stored and scored here.
    const reportPolicy = new ConsumerPolicy({ consumer: 'retraining-reports', deadLetters: databaseDeadLetters(db.db), logger });
    let reportSubscription: Subscription | undefined;
    return {
      readiness: [],
      routers,
      start: async () => {
        runner.start();
        triggers.start();
        feedbackSubscription = await consumeFeedback(context.bus, feedbackPolicy, feedback);
        reportSubscription = await consumeReports(context.bus, reportPolicy, reports);
        await watch.start();
      },
      stop: async () => {
        triggers.stop();
        await watch.stop();
        await feedbackSubscription?.stop();
        await feedbackPolicy.settled();
        await reportSubscription?.stop();
        await reportPolicy.settled();
        await runner.stop();
        await triage.stop();
        await scorer.close();
      },
    };
  },
};
