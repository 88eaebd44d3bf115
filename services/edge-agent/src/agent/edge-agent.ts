import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeZodError, encodeFrame, mqttFilter, mqttTopic, parseTopic, vibrationModelInput, vibrationWindowMessage, type DeviceRef, type EdgeAlertMessage, type Frame, type FrameKind, type StatusMessage, type TelemetryMessage, type VibrationWindowMessage } from '@premonitor/contracts';
import type { TrustedKey } from '@premonitor/contracts/signing';
import type { Logger } from '@premonitor/log';
import { VibrationScorer } from '@premonitor/ml/scoring';
import { every, type Cancel, type Clock } from '@premonitor/time';
import { DiskQueue, type FsyncPolicy } from './disk-queue.js';
import { EdgeRules, type EdgeRaise } from './edge-rules.js';
import { EdgeUplink } from './edge-uplink.js';
import { FramePolicy, type FramePolicyMode } from './frame-policy.js';
import { LocalAlertLog } from './local-alert-log.js';
import { ModelStore } from './model-store.js';
import { ModelSyncClient } from './model-sync-client.js';
import { DeviceTelemetryModel } from './device-telemetry-model.js';
import type { MqttConnector } from './mqtt-session.js';
import { Outbox, type OutboxMessage, type OutboxStats } from './outbox.js';
import type { SensorSample, SensorSource } from './sensor-source.js';
import { SeqStore } from './seq-store.js';
import { EDGE_AGENT_VERSION } from './agent-version.js';
import { SourceSupervisor } from './source-supervisor.js';
import { WebhookNotifier, type WebhookFormat } from './webhook-notifier.js';
import { BaselineCommandClient } from './baseline-command-client.js';
import { DEFAULT_EDGE_BASELINES, EdgeBaselines, type EdgeBaselineSettings, type EdgeBaselineStatus } from './edge-baselines.js';


/** Options of {@link EdgeAgent}. */
export interface EdgeAgentOptions {
  readonly ref: DeviceRef;
  readonly mqttUrl: string;
  readonly username?: string;
  readonly password?: string;
  /** Holds `queue/`, `models/`, `seq`, `alerts.log`. */
  readonly dataDir: string;
  readonly sources: readonly SensorSource[];
  readonly queue: { readonly maxBytes: number; readonly maxAgeMs: number; readonly fsync: FsyncPolicy; readonly replayPerSecond: number };
  /** Which frames are kept while the broker is unreachable; `sampleEvery` for `sampled`, `context` frames around an anomaly. */
  readonly frames: { readonly mode: FramePolicyMode; readonly sampleEvery: number; readonly context: number };
  /** Shipped models copied into `dataDir/models` on first start. */
  readonly seedModels?: Readonly<Partial<Record<FrameKind, string>>>;
  readonly maxModelBytes?: number;
  /** The core's model signing public keys (several during a rotation); without any, every model update is refused. */
  readonly modelPublicKeys?: readonly TrustedKey[];
  /** 0: the core counts as reachable while the broker is; else also needs a heartbeat this recent, ms. */
  readonly heartbeatTimeoutMs: number;
  readonly webhook?: { readonly url: string; readonly format: WebhookFormat };
  /** The local alert rules; default the core's default thresholds ({@link EdgeRules}). */
  readonly rules?: EdgeRules;
  /** The vibration model scoring vibration windows locally (the core's model and fault classes); absent or unreadable: windows are only forwarded. */
  readonly vibration?: { readonly modelFile: string; readonly faultClasses: readonly string[] };
  /** Enrollment of this device's own baselines (default {@link DEFAULT_EDGE_BASELINES}). */
  readonly baselines?: EdgeBaselineSettings;
  /** Period of the retained status, ms. Default 30 000. */
  readonly statusIntervalMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly connector?: MqttConnector;
  readonly fetch?: typeof fetch;
}

/** Counters for health, metrics and tests. */
export interface EdgeAgentStats extends OutboxStats {
  readonly connected: boolean;
  readonly coreReachable: boolean;
  readonly queueDepth: number;
  readonly dropped: number;
  readonly framesSkipped: number;
  /** Frames, vibration windows and telemetry windows (the device's own model) scored locally. */
  readonly scored: Readonly<Record<FrameKind | 'vibration' | 'telemetry', number>>;
  readonly localAlerts: number;
  readonly webhookSent: number;
  readonly nextSeq: number;
  /** Enrollment per kind for the running models with baselines. */
  readonly baselines: Partial<Record<FrameKind, EdgeBaselineStatus>>;
  /** Why the last baseline command from the core was refused, if it was. */
  readonly baselineCommandError?: string;
}

/**
 * The program on the Raspberry Pi: sensor sources → local model score → store-and-forward
 * to the core over MQTT; while the core is unreachable, the edge rules raise alerts itself
 * (local log, webhook, and an `edge-alert` queued for the core). Wiring only: each concern
 * lives in its own class.
 */
export class EdgeAgent {
  readonly #o: EdgeAgentOptions;
  readonly #log: Logger;
  readonly #uplink: EdgeUplink;
  readonly #models: ModelStore;
  readonly #telemetry: DeviceTelemetryModel;
  readonly #baselines: EdgeBaselines;
  readonly #baselineCommands: BaselineCommandClient;
  readonly #sync: ModelSyncClient;
  readonly #rules: EdgeRules;
  readonly #alertLog: LocalAlertLog;
  readonly #webhook: WebhookNotifier | undefined;
  readonly #policy: FramePolicy;
  readonly #pending = new Set<Promise<void>>();
  readonly #scored: Record<FrameKind | 'vibration' | 'telemetry', number> = { acoustic: 0, thermal: 0, vibration: 0, telemetry: 0 };
  #vibration: VibrationScorer | undefined;
  #queue: DiskQueue | undefined;
  #outbox: Outbox | undefined;
  #seq: SeqStore | undefined;
  #supervisor: SourceSupervisor | undefined;
  #lastHeartbeat = 0;
  #localAlerts = 0;
  #cancelStatus: Cancel = () => {};

  constructor(options: EdgeAgentOptions) {
    this.#o = options;
    const { ref } = options;
    this.#log = options.logger.child({ site: ref.site, device: ref.device });
    this.#uplink = new EdgeUplink({
      mqttUrl: options.mqttUrl,
      ref,
      username: options.username,
      password: options.password,
      subscriptions: [mqttFilter.models(ref), mqttTopic.heartbeat(ref), mqttFilter.baselineCommands(ref)],
      logger: this.#log,
      connector: options.connector,
    });
    this.#baselines = new EdgeBaselines({ dir: join(options.dataDir, 'baselines'), settings: options.baselines ?? DEFAULT_EDGE_BASELINES, logger: this.#log });
    this.#models = new ModelStore({ dir: join(options.dataDir, 'models'), seed: options.seedModels, kinds: ['acoustic', 'thermal'], logger: this.#log, baselines: this.#baselines });
    this.#telemetry = new DeviceTelemetryModel({ dir: join(options.dataDir, 'models'), logger: this.#log });
    const models = this.#models;
    const telemetry = this.#telemetry;
    this.#sync = new ModelSyncClient({
      store: {
        installed: (kind) => (kind === 'telemetry' ? telemetry.sha256 : models.model(kind)?.sha256),
        install: (kind, bytes) => (kind === 'telemetry' ? telemetry.install(bytes) : models.install(kind, bytes)),
        withdraw: (_kind, reason) => telemetry.remove(reason),
      },
      ref,
      trustedKeys: options.modelPublicKeys ?? [],
      watermarksFile: join(options.dataDir, 'model-announcements.json'),
      maxBytes: options.maxModelBytes,
      logger: this.#log,
      fetch: options.fetch,
    });
    this.#baselineCommands = new BaselineCommandClient({
      ref,
      trustedKeys: options.modelPublicKeys ?? [],
      watermarksFile: join(options.dataDir, 'baseline-commands.json'),
      apply: (kind, action) => this.#applyBaselineCommand(kind, action),
      logger: this.#log,
    });
    this.#alertLog = new LocalAlertLog(join(options.dataDir, 'alerts.log'));
    this.#webhook = options.webhook && new WebhookNotifier({ ...options.webhook, ...ref, logger: this.#log, fetch: options.fetch });
    this.#policy = new FramePolicy(options.frames);
    this.#rules = options.rules ?? new EdgeRules();
  }

  /** Opens the queue and models, starts the sources, and connects in the background (never waits for the broker). */
  async start(): Promise<void> {
    const { clock, dataDir } = this.#o;
    const queue = (this.#queue = await DiskQueue.open({ dir: join(dataDir, 'queue'), ...this.#o.queue, clock, logger: this.#log.child({ component: 'queue' }) }));
    this.#seq = await SeqStore.open(join(dataDir, 'seq'));
    await this.#baselines.start(['acoustic', 'thermal']);
    await this.#models.start();
    await this.#telemetry.start();
    await this.#sync.start();
    await this.#loadVibrationModel();
    await this.#baselineCommands.start();
    const uplink = this.#uplink;
    // With a heartbeat configured, a broker without a live core is treated like no broker: an
    // embedded broker that restarted holds no session for ingest, so what it acknowledged
    // before ingest resubscribed would be lost; the disk queue keeps it instead.
    const self = this;
    const transport = { get connected() { return self.coreReachable(); }, publish: (topic: string, payload: Uint8Array) => uplink.publish(topic, payload) };
    const outbox = (this.#outbox = new Outbox({ ref: this.#o.ref, queue, transport, replayPerSecond: this.#o.queue.replayPerSecond, clock, logger: this.#log.child({ component: 'outbox' }) }));
    this.#uplink.listen({
      onConnect: () => {
        this.#lastHeartbeat = 0;
        void this.#publishStatus();
        outbox.connected();
      },
      onDisconnect: () => outbox.connectionLost(),
      onMessage: (topic, payload) => this.#onMessage(topic, payload),
    });
    this.#uplink.start();
    this.#supervisor = new SourceSupervisor({ sources: this.#o.sources, sink: (s) => this.#onSample(s), clock, logger: this.#log });
    this.#supervisor.start();
    this.#cancelStatus = every(clock, this.#o.statusIntervalMs ?? 30_000, () => void this.#publishStatus());
    this.#log.info({ sources: this.#o.sources.map((s) => s.name), models: this.#modelVersions(), queued: queue.stats().depth }, 'edge agent started');
  }

  /** Stops the sensor sources only; queued and in-flight messages keep draining to the core. */
  async stopSources(): Promise<void> {
    await this.#supervisor?.stop();
    await this.settled();
  }

  /** Stops sources, lets pending work land on the broker or the disk, publishes `offline`, closes files. */
  async stop(): Promise<void> {
    this.#cancelStatus();
    await this.stopSources();
    await this.#outbox?.stop();
    await this.#uplink.stop();
    await this.#queue?.close();
    await this.#seq?.flush().catch(() => {});
    await this.#baselines.stop();
    await this.#models.stop();
    await this.#telemetry.stop();
    await this.#vibration?.release();
  }

  /** True while the broker is connected and (if configured) the core's heartbeat is fresh. */
  coreReachable(): boolean {
    if (!this.#uplink.connected) return false;
    const timeout = this.#o.heartbeatTimeoutMs;
    return timeout <= 0 || this.#o.clock.now() - this.#lastHeartbeat <= timeout;
  }

  /** Waits until every accepted sample is published or on disk (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** The retained status message as it would be published now. */
  status(): StatusMessage {
    const q = this.#queue?.stats();
    const sources = Object.fromEntries(Object.entries(this.#supervisor?.states() ?? {}).map(([name, s]) => [name, { state: s.state, ...(s.lastError ? { lastError: s.lastError } : {}) }]));
    const modelErrors = this.#sync.errors();
    const modelsWithdrawn = this.#sync.withdrawn();
    return {
      state: 'online',
      ts: this.#o.clock.now(),
      agentVersion: EDGE_AGENT_VERSION,
      models: this.#modelVersions(),
      queueDepth: q?.depth ?? 0,
      dropped: q?.dropped ?? 0,
      sources,
      ...(Object.keys(modelErrors).length > 0 ? { modelErrors } : {}),
      ...(Object.keys(modelsWithdrawn).length > 0 ? { modelsWithdrawn } : {}),
    };
  }

  stats(): EdgeAgentStats {
    const q = this.#queue?.stats();
    const o = this.#outbox?.stats() ?? { sentLive: 0, queued: 0, replayed: 0, inFlight: 0, replaying: false };
    return {
      ...o,
      connected: this.#uplink.connected,
      coreReachable: this.coreReachable(),
      queueDepth: q?.depth ?? 0,
      dropped: q?.dropped ?? 0,
      framesSkipped: this.#policy.skipped,
      scored: { ...this.#scored },
      localAlerts: this.#localAlerts,
      webhookSent: this.#webhook?.stats().sent ?? 0,
      nextSeq: this.#seq?.peek() ?? 0,
      baselines: this.#baselines.status((['acoustic', 'thermal'] as const).flatMap((k) => this.#models.model(k) ?? [])),
      ...(this.#baselineCommands.lastError ? { baselineCommandError: this.#baselineCommands.lastError } : {}),
    };
  }

  async #onSample(sample: SensorSample): Promise<void> {
    const seq = this.#seq!;
    if (sample.type === 'vibration') {
      const message: VibrationWindowMessage = { ts: sample.ts, seq: seq.next(), sampleRateHz: sample.sampleRateHz, channels: [...sample.channels], samples: sample.samples.map((r) => [...r]) };
      // Sent whatever the local verdict: the core scores it too, or dead-letters it with the reason.
      this.#send({ kind: 'telemetry', payload: json(message) });
      await this.#scoreVibration(message);
    } else if (sample.type === 'telemetry') {
      const message: TelemetryMessage = { ts: sample.ts, seq: seq.next(), readings: sample.readings };
      this.#send({ kind: 'telemetry', payload: json(message) });
      this.#raise(this.#rules.observeReadings(sample.readings, sample.ts));
      await this.#scoreTelemetry(message);
    } else {
      const frame: Frame = sample.type === 'acoustic' ? { kind: 'acoustic', ts: sample.ts, seq: seq.next(), sampleRate: sample.sampleRate, samples: sample.samples } : { kind: 'thermal', ts: sample.ts, seq: seq.next(), width: sample.width, height: sample.height, celsius: sample.celsius };
      const payload = encodeFrame(frame);
      const scored = await this.#models.score(frame).catch((err: unknown) => {
        this.#log.warn({ kind: frame.kind, err: (err as Error).message }, 'local scoring failed');
        return undefined;
      });
      const anomalous = scored !== undefined && scored.score >= scored.model.threshold;
      for (const keep of this.#policy.admit(frame.kind, payload, anomalous, this.#uplink.connected)) this.#send({ kind: frame.kind, payload: keep });
      if (scored) {
        this.#scored[frame.kind]++;
        // The local score travels as a reading at the frame's timestamp, so the core can compare it with its own.
        const readings = { [`local_score_${frame.kind}`]: round(scored.score) };
        this.#send({ kind: 'telemetry', payload: json({ ts: frame.ts, seq: seq.next(), readings } satisfies TelemetryMessage) });
        this.#raise(this.#rules.observeScore(frame.kind, scored.score, frame.ts, scored.reference));
      }
    }
    // Bounded memory: a slow disk or broker back-pressures the sources instead of growing this set.
    while (this.#pending.size >= 256) await Promise.race([...this.#pending]);
  }

  /**
   * Scores the device's readings with its own telemetry model (once the core has fitted and sent
   * one) and feeds the edge `telemetry-anomaly` rule: the service's windows, score and rule.
   * The score stays local — sent as a reading it would become a sensor of the device's model.
   */
  async #scoreTelemetry(message: TelemetryMessage): Promise<void> {
    const scores = await this.#telemetry.observe(message.ts, message.seq, message.readings).catch((err: unknown) => {
      this.#log.warn({ err: (err as Error).message }, 'local telemetry scoring failed');
      return [];
    });
    for (const s of scores) {
      this.#scored.telemetry++;
      this.#raise(this.#rules.observeScore('telemetry', s.score.score, s.ts, 'device'));
    }
  }

  /** Versions of every running model (frame kinds and, once received, the device's telemetry model). */
  #modelVersions(): Record<string, string> {
    const telemetry = this.#telemetry.version;
    return { ...this.#models.versions(), ...(telemetry ? { telemetry } : {}) };
  }

  /** Loads the vibration model when one is configured; without it, windows are forwarded unscored. */
  async #loadVibrationModel(): Promise<void> {
    const v = this.#o.vibration;
    if (!v) return;
    try {
      this.#vibration = await VibrationScorer.load(new Uint8Array(await readFile(v.modelFile)), { faultClasses: v.faultClasses, intraOpThreads: 1 });
    } catch (err) {
      this.#log.warn({ file: v.modelFile, err: (err as Error).message }, 'no local vibration model: windows are forwarded to the core unscored');
    }
  }

  /** Scores a window locally and feeds the edge rules (the same model, score and rule as the core's). */
  async #scoreVibration(message: VibrationWindowMessage): Promise<void> {
    const scorer = this.#vibration;
    if (!scorer) return;
    const valid = vibrationWindowMessage.safeParse(message);
    const fitted = valid.success ? vibrationModelInput(valid.data, scorer.shape) : { ok: false as const, reason: describeZodError(valid.error) };
    if (!fitted.ok) {
      this.#log.warn({ seq: message.seq, reason: fitted.reason }, 'vibration window not scored locally');
      return;
    }
    const verdict = await scorer.score(fitted.input, 1).catch((err: unknown) => {
      this.#log.warn({ err: (err as Error).message }, 'local vibration scoring failed');
      return undefined;
    });
    if (!verdict?.[0]) return;
    this.#scored.vibration++;
    this.#raise(this.#rules.observeScore('vibration', verdict[0].score, message.ts, 'fleet'));
  }

  #send(message: OutboxMessage): void {
    const done = this.#outbox!.submit(message).catch((err: unknown) => this.#log.error({ kind: message.kind, err: String(err) }, 'message could be neither sent nor queued'));
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
  }

  #raise(raises: readonly EdgeRaise[]): void {
    if (raises.length === 0 || this.coreReachable()) return;
    for (const r of raises) {
      const alert: EdgeAlertMessage = {
        ts: r.ts,
        seq: this.#seq!.next(),
        rule: r.rule,
        severity: r.severity,
        ...(r.score !== undefined ? { score: round(r.score) } : {}),
        ...(r.kind ? { kind: r.kind } : {}),
        message: `${r.reason ? `${r.reason}; ` : ''}${r.title}${r.value !== undefined ? ` (${r.value})` : ''}${r.sustainedMs !== undefined ? `, raised for ${Math.round(r.sustainedMs / 1000)} s` : ''}`,
      };
      this.#localAlerts++;
      this.#log.warn({ rule: r.rule, severity: r.severity, score: r.score }, 'local alert: core unreachable');
      this.#send({ kind: 'edge-alert', payload: json(alert) });
      const side = Promise.all([this.#alertLog.append({ ...alert, ...this.#o.ref }), this.#webhook?.send(alert)]).then(() => undefined, () => undefined);
      this.#pending.add(side);
      void side.finally(() => this.#pending.delete(side));
    }
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    if (topic === mqttTopic.heartbeat(this.#o.ref)) {
      const wasReachable = this.coreReachable();
      this.#lastHeartbeat = this.#o.clock.now();
      if (!wasReachable) {
        this.#log.info('core heartbeat back; replaying');
        this.#outbox?.connected();
      }
      return;
    }
    const commands = mqttFilter.baselineCommands(this.#o.ref).slice(0, -1);
    if (topic.startsWith(commands)) {
      void this.#baselineCommands.onCommand(topic.slice(commands.length), payload).catch((err: unknown) => this.#log.error({ err: (err as Error).message }, 'baseline command could not be applied'));
      return;
    }
    const parsed = parseTopic(topic);
    if (parsed.ok && parsed.topic.channel.type === 'model' && parsed.topic.site === this.#o.ref.site && parsed.topic.device === this.#o.ref.device) {
      void this.#sync.onAnnouncement(payload).then(() => this.#publishStatus());
    }
  }

  /** An engineer's decision on the core, for this agent's own enrollment: `faulty` stops it, `reset` starts it over. */
  async #applyBaselineCommand(kind: FrameKind, action: 'faulty' | 'reset'): Promise<void> {
    if (action === 'reset') return this.#baselines.reset(kind);
    const model = this.#models.model(kind);
    if (!model?.baseline) {
      this.#log.warn({ kind }, 'marked faulty on the core, but no local model of that kind enrolls baselines; nothing to stop here');
      return;
    }
    await this.#baselines.markFaulty(model);
  }

  async #publishStatus(): Promise<void> {
    await this.#uplink.publishStatus(this.status());
  }
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function round(score: number): number {
  return Math.round(score * 1e4) / 1e4;
}
