import { Router } from 'express';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { busSubjects, deviceKey, isValidId, type DeviceRef, type TelemetryEvent, type TelemetryScoreEvent } from '@premonitor/contracts';
import { decodeEvent, publishEvent, type Bus, type BusMessage, type Subscription } from '@premonitor/bus';
import { databaseDeadLetters, type DatabaseHandle, type NewScore } from '@premonitor/db';
import { HttpError, type ReadinessCheck } from '@premonitor/http';
import { KyselyScoreStore } from '@premonitor/inference/score-store';
import type { Logger } from '@premonitor/log';
import { ConsumerPolicy } from '@premonitor/resilience';
import { systemClock, type Clock } from '@premonitor/time';
import { TelemetryModelScorer } from '@premonitor/ml/scoring';
import { convAeWindowScore } from './conv-ae-device-model.js';
import { loadGraph } from './device-graph.js';
import { SCORE_THRESHOLD } from './device-model.js';
import { DeviceTracker, type DeviceStatus, type TrackerOutcome, type TrackerSettings } from './device-tracker.js';
import { DeviceFitter } from './device-fitter.js';
import { DEFAULT_DEVICE_FIT_OPTIONS, type DeviceFitOptions } from './device-fit-options.js';
import { KyselyModelStore, type ModelStore } from './model-store.js';
import { stopConsumer } from './stop-consumer.js';

/** Everything telemetry scoring needs to know, whichever mode wires it. */
export interface TelemetryScoringSettings {
  /** Only this site's devices, or `*`. */
  readonly site: string;
  readonly deliverPolicy: 'all' | 'new';
  readonly deadLetterMaxBytes: number;
  readonly tracker: TrackerSettings;
  /** How non-PCA families are fitted (default {@link DEFAULT_DEVICE_FIT_OPTIONS} with `tracker.model` as the PCA options). */
  readonly fit?: DeviceFitOptions;
  /** Durable consumer name (default `telemetry-scoring`). */
  readonly durable?: string;
  /** Longest `stop()` waits for the message in hand, ms (default 10,000). */
  readonly drainTimeoutMs?: number;
}

export interface TelemetryScoringDependencies {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
}

/** Outputs of handled messages not yet stored and published, oldest first. */
interface PendingWork {
  readonly ref: DeviceRef;
  readonly outcome: TrackerOutcome;
  readonly event: TelemetryEvent;
  readonly subject: string;
  readonly latencyMs: number;
}

/**
 * Telemetry scoring as one unit: a durable consumer of `pm.telemetry.*` that keeps one
 * {@link DeviceTracker} per device, stores each device's model once it enrolled, persists every
 * window score in `scores` (kind `telemetry`) and publishes it on `pm.scores.telemetry.*`, then
 * acks. A write that fails keeps its outputs pending and the message is redelivered; the tracker
 * has already seen it (the redelivery changes nothing there), and the pending outputs go first.
 */
export class TelemetryScoring {
  readonly router: Router;
  readonly readiness: readonly ReadinessCheck[];
  readonly #s: TelemetryScoringSettings;
  readonly #d: TelemetryScoringDependencies;
  readonly #clock: Clock;
  readonly #models: ModelStore;
  readonly #scores: KyselyScoreStore;
  readonly #trackers = new Map<string, DeviceTracker>();
  readonly #pending: PendingWork[] = [];
  readonly #fitter: DeviceFitter;
  /** The ONNX graphs scoring conv-AE devices (by device key), as on the edge. */
  readonly #graphs = new Map<string, TelemetryModelScorer>();
  /** The graph run in progress: a graph is released after it, never under it. */
  #graphRun: Promise<unknown> = Promise.resolve();
  /** Flushes run one after another: a message's handler and a finished fit both flush. */
  #flushing: Promise<void> = Promise.resolve();
  readonly #metrics: { windows: Counter; rejected: Counter; enrolled: Counter; devices: Gauge };
  #policy: ConsumerPolicy | undefined;
  #subscription: Subscription | undefined;

  constructor(settings: TelemetryScoringSettings, deps: TelemetryScoringDependencies) {
    this.#s = settings;
    this.#d = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#models = new KyselyModelStore(deps.db.db);
    this.#scores = new KyselyScoreStore(deps.db.db, { deadLetterMaxBytes: settings.deadLetterMaxBytes });
    this.#metrics = {
      windows: new Counter({ name: 'pm_telemetry_windows_scored_total', help: 'Telemetry windows scored', registers: [deps.registry] }),
      rejected: new Counter({ name: 'pm_telemetry_rejected_total', help: 'Telemetry messages dead-lettered by telemetry scoring', labelNames: ['reason'], registers: [deps.registry] }),
      enrolled: new Counter({ name: 'pm_telemetry_enrolled_total', help: 'Devices whose telemetry model was fitted', registers: [deps.registry] }),
      devices: new Gauge({ name: 'pm_telemetry_devices', help: 'Devices by telemetry scoring state', labelNames: ['state'], registers: [deps.registry], collect: () => this.#countStates() }),
    };
    this.#fitter = new DeviceFitter(settings.fit ?? { ...DEFAULT_DEVICE_FIT_OPTIONS, pca: settings.tracker.model });
    this.router = this.#api();
    this.readiness = [
      { name: 'bus', check: () => deps.bus.isReady() },
      { name: 'database', check: () => deps.db.ping() },
    ];
  }

  /** Loads stored models (those devices are scored from their next messages), then consumes. */
  async start(): Promise<void> {
    for (const [key, stored] of await this.#models.loadAll()) {
      const [site, device] = key.split('/') as [string, string];
      const tracker = new DeviceTracker({ site, device }, this.#s.tracker, () => this.#clock.now(), stored);
      this.#trackers.set(key, tracker);
      this.#useGraph(key, tracker, await loadGraph(stored.model));
    }
    const durable = this.#s.durable ?? 'telemetry-scoring';
    const policy = new ConsumerPolicy({ consumer: durable, deadLetters: databaseDeadLetters(this.#d.db.db), logger: this.#d.logger });
    this.#policy = policy;
    const filterSubject = this.#s.site === '*' ? busSubjects.telemetry.wildcard : busSubjects.telemetry.ofSite(this.#s.site);
    this.#subscription = await this.#d.bus.consume(
      policy.spec({ stream: busSubjects.telemetry.stream, durable, filterSubject, deliverPolicy: this.#s.deliverPolicy }),
      policy.guard(async (message) => {
        const decoded = decodeEvent('telemetry', message);
        if (!decoded.ok) {
          this.#metrics.rejected.inc({ reason: 'invalid' });
          await policy.deadLetter(message, `invalid telemetry event: ${decoded.reason}`);
          return;
        }
        await this.#observe(decoded.value, message);
        try {
          await this.#flush();
        } catch (err) {
          this.#d.logger.warn({ err, subject: message.subject }, 'telemetry scores not stored; redelivering');
          policy.fail(message, err);
          return;
        }
        message.ack();
      }),
    );
    this.#d.logger.info({ devices: this.#trackers.size, site: this.#s.site }, 'telemetry scoring started');
  }

  /** Stops consuming; the message in hand finishes (unacknowledged ones are redelivered). */
  async stop(): Promise<void> {
    const drained = await stopConsumer(this.#subscription, this.#policy, this.#s.drainTimeoutMs ?? 10_000);
    // A fit in progress is lost; its device enrolls again after the restart (its model was not stored).
    await this.#fitter.close();
    await this.#graphRun;
    await Promise.all([...this.#graphs.values()].map((g) => g.release().catch(() => undefined)));
    this.#graphs.clear();
    if (!drained) this.#d.logger.warn('telemetry scoring drain timed out; unacknowledged messages stay with the bus');
  }

  /** A device's status, or undefined when it never sent telemetry here. */
  status(ref: DeviceRef): DeviceStatus | undefined {
    return this.#trackers.get(deviceKey(ref))?.status();
  }

  async #observe(event: TelemetryEvent, message: BusMessage): Promise<void> {
    const ref = { site: event.site, device: event.device };
    const key = deviceKey(ref);
    let tracker = this.#trackers.get(key);
    if (!tracker) {
      tracker = new DeviceTracker(ref, this.#s.tracker, () => this.#clock.now());
      this.#trackers.set(key, tracker);
    }
    const started = performance.now();
    let outcome = tracker.observe(event.ts, event.seq, event.readings);
    if (outcome.windows) outcome = await this.#scoreWindows(key, tracker, outcome);
    if (outcome.scores.length > 0 || outcome.enrolled || outcome.rejected) {
      this.#pending.push({ ref, outcome, event, subject: message.subject, latencyMs: performance.now() - started });
    }
    if (outcome.fit) this.#fitOffThread(tracker, ref, outcome.fit, event, message.subject);
  }

  /** Fits in the worker; the device is installed and its model stored when the fit returns, meanwhile it is `fitting`. */
  #fitOffThread(tracker: DeviceTracker, ref: DeviceRef, fit: NonNullable<TrackerOutcome['fit']>, event: TelemetryEvent, subject: string): void {
    const family = this.#s.tracker.family ?? 'pca';
    const key = deviceKey(ref);
    const started = performance.now();
    this.#fitter.fit(family, fit.keys, fit.rows, fit.stepMs, fit.stamp).then(
      async ({ model, choice }) => {
        // The graph loads before the model is installed, so the device is scored by it from its first window.
        const graph = await loadGraph(model);
        const installed = tracker.install(fit.token, model, choice);
        if (!installed) {
          if (graph instanceof TelemetryModelScorer) await graph.release().catch(() => undefined);
          return;
        }
        this.#useGraph(key, tracker, graph);
        this.#d.logger.info({ device: key, family, chosen: model.family, reason: choice?.reason, fitMs: Math.round(performance.now() - started) }, 'telemetry model fitted off-thread');
        this.#pending.push({ ref, outcome: { scores: [], enrolled: { model, ...installed } }, event, subject, latencyMs: 0 });
        // Stored now; if the database is down, the next message's flush stores it.
        this.#flush().catch((err: unknown) => this.#d.logger.warn({ err, device: key }, 'telemetry model not stored yet; retried with the next message'));
      },
      (err: unknown) => {
        this.#d.logger.warn({ err, device: key, family }, 'telemetry model fit failed; enrolling again');
        tracker.fitFailed(fit.token, err instanceof Error ? err.message : String(err));
      },
    ).catch((err: unknown) => this.#d.logger.error({ err, device: key }, 'installing a fitted telemetry model failed'));
  }

  /**
   * Scores a graph-scored device's windows in one onnxruntime run (several when a message closed
   * several steps). If the graph fails, these windows and the device's next ones are scored in
   * process (same scores within float rounding) and its status says why; other devices are not affected.
   */
  async #scoreWindows(key: string, tracker: DeviceTracker, outcome: TrackerOutcome): Promise<TrackerOutcome> {
    const windows = outcome.windows ?? [];
    const model = tracker.model();
    const graph = this.#graphs.get(key);
    let scores;
    try {
      if (!graph) throw new Error('no graph is loaded for it');
      const run = graph.scores(windows.map((w) => w.values));
      this.#graphRun = run.catch(() => undefined);
      scores = await run;
    } catch (err) {
      this.#d.logger.warn({ err, device: key }, 'telemetry graph failed; scoring the device in process');
      this.#useGraph(key, tracker, err instanceof Error ? err.message : String(err));
      // Only conv-AE devices are put on a graph (loadGraph).
      if (model?.family !== 'conv-ae') return outcome;
      scores = windows.map((w) => convAeWindowScore(model, w.values));
    }
    const last = windows.length - 1;
    if (last >= 0) tracker.scored(windows[last]!.ts, scores[last]!.score);
    return { ...outcome, scores: [...outcome.scores, ...windows.map((w, i) => ({ ts: w.ts, seq: w.seq, score: scores[i]! }))] };
  }

  /** Puts a device on its graph, or (a reason) back on the in-process scorer; the graph it had is released after the run in progress. */
  #useGraph(key: string, tracker: DeviceTracker, graph: TelemetryModelScorer | string | undefined): void {
    const old = this.#graphs.get(key);
    this.#graphs.delete(key);
    if (old && old !== graph) void this.#graphRun.then(() => old.release()).catch(() => undefined);
    if (graph === undefined) return;
    if (typeof graph === 'string') {
      this.#d.logger.warn({ device: key, reason: graph }, 'telemetry model graph unusable; scored in process');
      tracker.graphUnavailable(graph);
      return;
    }
    this.#graphs.set(key, graph);
    tracker.scoreByGraph();
  }

  #flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#drain());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const work = this.#pending[0]!;
      await this.#write(work);
      this.#pending.shift();
    }
  }

  async #write({ ref, outcome, event, subject, latencyMs }: PendingWork): Promise<void> {
    const key = deviceKey(ref);
    if (outcome.enrolled) {
      const { model, version, stepMs, choice } = outcome.enrolled;
      await this.#models.save(ref, { model, version, stepMs, readyAt: this.#clock.now(), ...(choice ? { choice } : {}) }, this.#s.tracker.enrollRows);
      this.#metrics.enrolled.inc();
      this.#d.logger.info({ device: key, version, sensors: model.sensors, stepMs }, 'telemetry model enrolled');
      // Model sync announces it to the device's agent on this, not on its next refresh. Published
      // after the row is stored (what model sync reads); a retry of this write publishes again, deduplicated.
      await publishEvent(this.#d.bus, 'telemetryModels', [ref], { ...ref, state: 'fitted', modelVersion: version, ts: this.#clock.now() }, { msgId: `telemetry-model.${ref.site}.${ref.device}.${version}` });
    }
    if (outcome.rejected) {
      await this.#scores.saveDeadLetters([{ topic: subject, deviceId: key, reason: outcome.rejected, payload: JSON.stringify(event), source: this.#s.durable ?? 'telemetry-scoring' }]);
      this.#metrics.rejected.inc({ reason: 'missing-sensors' });
    }
    if (outcome.scores.length === 0) return;
    const status = this.#trackers.get(key)!.status();
    const modelVersion = status.modelVersion ?? 'unknown';
    const perWindow = latencyMs / outcome.scores.length;
    const rows: NewScore[] = outcome.scores.map((s) => ({ time: new Date(s.ts), device_id: key, kind: 'telemetry', score: s.score.score, model_version: modelVersion, latency_ms: perWindow, seq: s.seq, reference: 'device' }));
    await this.#scores.saveScores(rows);
    await Promise.all(
      outcome.scores.map((s) => {
        const payload: TelemetryScoreEvent = {
          ...ref,
          kind: 'telemetry',
          ts: s.ts,
          seq: s.seq,
          score: s.score.score,
          threshold: SCORE_THRESHOLD,
          ratio: Math.min(s.score.ratio, Number.MAX_SAFE_INTEGER),
          sensors: [...status.sensors],
          modelVersion,
          latencyMs: perWindow,
          reference: 'device',
        };
        return publishEvent(this.#d.bus, 'telemetryScores', [ref], payload, { msgId: `telemetry-score.${ref.site}.${ref.device}.${s.ts}` });
      }),
    );
    this.#metrics.windows.inc(outcome.scores.length);
  }

  #countStates(): void {
    const counts = new Map<string, number>();
    for (const t of this.#trackers.values()) counts.set(t.status().state, (counts.get(t.status().state) ?? 0) + 1);
    this.#metrics.devices.reset();
    for (const [state, n] of counts) this.#metrics.devices.set({ state }, n);
  }

  /** `/telemetry/devices…` under `/api/v1`. */
  #api(): Router {
    const router = Router();
    const refOf = (params: Record<string, string | undefined>): DeviceRef => {
      const { site, device } = params;
      for (const [name, value] of [['site', site], ['device', device]] as const) {
        if (value === undefined || !isValidId(value)) throw new HttpError(400, 'invalid_path', `${name} '${value ?? ''}' is not a valid id ([a-z0-9-]{1,64})`);
      }
      return { site: site!, device: device! };
    };
    router.get('/telemetry/devices', (_req, res) => {
      res.json({ items: [...this.#trackers.values()].map((t) => t.status()) });
    });
    router.get('/telemetry/devices/:site/:device', (req, res) => {
      const ref = refOf(req.params);
      const status = this.status(ref);
      if (!status) throw new HttpError(404, 'not_found', `no telemetry from ${ref.site}/${ref.device} has reached telemetry scoring`);
      res.json(status);
    });
    router.get('/telemetry/devices/:site/:device/model.onnx', (req, res) => {
      const ref = refOf(req.params);
      const model = this.#trackers.get(deviceKey(ref))?.model();
      if (!model) throw new HttpError(404, 'not_found', `${ref.site}/${ref.device} has no fitted telemetry model`);
      if (!model.onnx) throw new HttpError(404, 'not_found', `${ref.site}/${ref.device} is scored by a one-sensor PCA model (or one stored before PCA models were exported), which has no ONNX form; reset the device to refit it`);
      res.type('application/octet-stream').send(Buffer.from(model.onnx));
    });
    router.post('/telemetry/devices/:site/:device/reset', async (req, res) => {
      const ref = refOf(req.params);
      const tracker = this.#trackers.get(deviceKey(ref));
      if (!tracker) throw new HttpError(404, 'not_found', `no telemetry from ${ref.site}/${ref.device} has reached telemetry scoring`);
      await this.#models.remove(ref);
      tracker.reset();
      this.#useGraph(deviceKey(ref), tracker, undefined);
      // Model sync withdraws the model from the device's agent on this; if the bus is away, its periodic refresh does.
      const now = this.#clock.now();
      await publishEvent(this.#d.bus, 'telemetryModels', [ref], { ...ref, state: 'reset', modelVersion: null, ts: now }, { msgId: `telemetry-model-reset.${ref.site}.${ref.device}.${now}` }).catch((err: unknown) =>
        this.#d.logger.warn({ err, device: deviceKey(ref) }, 'telemetry model reset not announced on the bus; model sync withdraws it on its next refresh'),
      );
      res.json(tracker.status());
    });
    return router;
  }
}
