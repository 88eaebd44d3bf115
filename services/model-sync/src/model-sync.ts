import { busSubjects, deviceKey, mqttFilter, mqttTopic, parseTopic, type BaselineEvent, type DeviceRef, type FrameKind, type ModelKind } from '@premonitor/contracts';
import { publicKeyText, signAnnouncement, signBaselineCommand, signModelWithdrawal, type SigningKey, type UnsignedAnnouncement } from '@premonitor/contracts/signing';
import { decodeEvent, type Bus, type Subscription } from '@premonitor/bus';
import { databaseDeadLetters, type Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { ConsumerPolicy, settleWithin } from '@premonitor/resilience';
import type { ArtifactStore, ModelRegistry } from '@premonitor/registry';
import type { Kysely } from 'kysely';
import type { Router } from 'express';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock, type Clock } from '@premonitor/time';
import { createArtifactRouter } from './artifact-router.js';
import { DeviceTelemetryModels, type DeviceTelemetryArtifact } from './device-telemetry-models.js';

/** What `#announced` holds for a device whose telemetry model was withdrawn (never a sha256). */
const WITHDRAWN = 'withdrawn';

/** Settings of {@link ModelSync}. */
export interface ModelSyncSettings {
  readonly mqtt: { readonly url: string; readonly username?: string; readonly password?: string; readonly clientId: string };
  /** Base URL devices download from, e.g. `http://core.local:8090/api/v1` (the router is mounted under it). */
  readonly publicBaseUrl: string;
  /** Model kinds synced to devices. */
  readonly kinds: readonly ModelKind[];
  /** Period of the check for devices that appeared since the last announcement, ms. */
  readonly refreshMs: number;
  /** Period of the per-device heartbeat on `…/command/heartbeat`, ms; 0 = none. */
  readonly heartbeatMs: number;
  /** Signs every announcement; agents hold its public key. Never logged. */
  readonly signingKey: SigningKey;
}

/** Collaborators of {@link ModelSync}. */
export interface ModelSyncDependencies {
  readonly db: Kysely<Database>;
  readonly bus: Bus;
  readonly registry: ModelRegistry;
  readonly store: ArtifactStore;
  readonly logger: Logger;
  /** `issuedAt` of announcements and heartbeat timestamps. Default: the wall clock. */
  readonly clock?: Pick<Clock, 'now'>;
}

/**
 * The core side of model sync: the production model of each kind, announced to every known
 * device as a retained `premonitor/v1/{site}/{device}/model/{kind}` message — at start, on
 * every `pm.models.{kind}.promoted`, for devices that appear later (a periodic check, and at
 * once when a device's status comes online) — and the artifact download route. It also
 * publishes the core heartbeat the agents use to tell "core down" from "broker up".
 *
 * Every announcement is signed for its device with the core's Ed25519 key and carries
 * `issuedAt`, so an agent holding the public key refuses one that anybody else published, one
 * meant for another device, and an older one replayed (`@premonitor/contracts/signing`).
 *
 * Each device's own telemetry model (telemetry-scoring's `telemetry_models`, when it has an ONNX
 * form) is announced to that device on `…/model/telemetry` the same way — at once when
 * telemetry-scoring says it fitted one (`pm.telemetry-models.*`), at start, on the periodic
 * check (the safety net: a fit whose event was lost reaches the device within `refreshMs`), and
 * when the device comes online — and served at `…/models/telemetry/devices/{site}/{device}/artifact/{sha256}`.
 * A device without one (reset on the core, enrolling again) gets a signed withdrawal on the same
 * retained topic instead, at the same moments, so its agent stops scoring with the old model —
 * also an agent that was offline during the reset, which reads the retained withdrawal when it
 * reconnects (and gets it again from the next start or reconnect of this service, which
 * republishes every device's state).
 *
 * It also forwards an engineer's baseline actions on the core (`pm.baselines.*`: marked faulty;
 * reset or enrollment restarted) to the device's agent as a signed, retained
 * `…/command/baseline/{kind}`, so the edge's own enrollment follows the same decision — an
 * agent that is offline gets it when it reconnects.
 */
export class ModelSync {
  readonly router: Router;
  readonly #s: ModelSyncSettings;
  readonly #d: ModelSyncDependencies;
  /** `site/device/kind` → sha256 last announced, so a refresh only publishes what changed. */
  readonly #announced = new Map<string, string>();
  #client: MqttClient | undefined;
  #subscription: Subscription | undefined;
  #baselineSubscription: Subscription | undefined;
  #telemetryModelSubscription: Subscription | undefined;
  #timers: NodeJS.Timeout[] = [];
  #work: Promise<void> = Promise.resolve();
  readonly #clock: Pick<Clock, 'now'>;
  readonly #deviceModels: DeviceTelemetryModels;

  constructor(settings: ModelSyncSettings, deps: ModelSyncDependencies) {
    this.#s = settings;
    this.#d = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#deviceModels = new DeviceTelemetryModels(deps.db);
    this.router = createArtifactRouter(deps.registry, deps.store, this.#deviceModels);
  }

  /** The public key agents must be configured with (`EDGE_MODEL_PUBLIC_KEY`): base64 of the raw 32 bytes. */
  get publicKey(): string {
    return publicKeyText(this.#s.signingKey);
  }

  /** Readiness: the broker connection. */
  get readiness(): { name: string; check: () => boolean }[] {
    return [{ name: 'mqtt', check: () => this.#client?.connected ?? false }];
  }

  async start(): Promise<void> {
    const { mqtt: m } = this.#s;
    this.#d.logger.info({ keyId: this.#s.signingKey.keyId, publicKey: this.publicKey }, 'model announcements are signed; agents need this public key (EDGE_MODEL_PUBLIC_KEY)');
    const client = (this.#client = await mqtt.connectAsync(m.url, { clientId: m.clientId, username: m.username, password: m.password, clean: true, reconnectPeriod: 2_000 }));
    client.on('message', (topic, payload) => this.#onStatus(topic, payload));
    // A broker restart loses non-persistent retained state in Aedes; re-announce on every reconnect.
    client.on('connect', () => this.#enqueue(() => this.#announceAll(true)));
    await client.subscribeAsync(mqttFilter.status(), { qos: 1 });
    // A promotion is only a trigger (announcing never throws; a failed one is retried on the
    // next refresh), but the policy still keeps JetStream from dropping it after 10 ack waits.
    const policy = new ConsumerPolicy({ consumer: 'model-sync', deadLetters: databaseDeadLetters(this.#d.db), logger: this.#d.logger });
    this.#subscription = await this.#d.bus.consume(
      policy.spec({ stream: busSubjects.modelPromoted.stream, durable: 'model-sync', filterSubject: busSubjects.modelPromoted.wildcard, deliverPolicy: 'new' }),
      policy.guard(async (msg) => {
        await this.#enqueue(() => this.#announceAll(false));
        msg.ack();
      }),
    );
    this.#baselineSubscription = await this.#d.bus.consume(
      policy.spec({ stream: busSubjects.baselines.stream, durable: 'model-sync-baselines', filterSubject: busSubjects.baselines.wildcard, deliverPolicy: 'new' }),
      policy.guard(async (msg) => {
        const decoded = decodeEvent('baselines', msg);
        if (!decoded.ok) return policy.deadLetter(msg, `unreadable baseline event: ${decoded.reason}`);
        await this.#enqueueOrThrow(() => this.#forwardBaseline(decoded.value));
        msg.ack();
      }),
    );
    // A device's model fitted or reset: announce or withdraw it now rather than on the next refresh.
    this.#telemetryModelSubscription = await this.#d.bus.consume(
      policy.spec({ stream: busSubjects.telemetryModels.stream, durable: 'model-sync-telemetry-models', filterSubject: busSubjects.telemetryModels.wildcard, deliverPolicy: 'new' }),
      policy.guard(async (msg) => {
        const decoded = decodeEvent('telemetryModels', msg);
        if (!decoded.ok) return policy.deadLetter(msg, `unreadable telemetry model event: ${decoded.reason}`);
        const ref = { site: decoded.value.site, device: decoded.value.device };
        await this.#enqueue(() => this.#syncDeviceModel(ref, false));
        msg.ack();
      }),
    );
    await this.#enqueue(() => this.#announceAll(true));
    this.#timers.push(setInterval(() => void this.#enqueue(() => this.#announceAll(false)), this.#s.refreshMs));
    if (this.#s.heartbeatMs > 0) this.#timers.push(setInterval(() => void this.#heartbeat(), this.#s.heartbeatMs));
  }

  /** Stops the timers, the consumer and the broker connection, each within `drainTimeoutMs` whatever is stuck. */
  async stop(drainTimeoutMs = 10_000): Promise<void> {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    const drained = await settleWithin(
      (async () => {
        await this.#subscription?.stop();
        await this.#baselineSubscription?.stop();
        await this.#telemetryModelSubscription?.stop();
        await this.#work.catch(() => {});
      })(),
      drainTimeoutMs,
    );
    if (!drained) this.#d.logger.warn({ drainTimeoutMs }, 'model-sync: an announcement was still running at stop; abandoned');
    const client = this.#client;
    this.#client = undefined;
    if (client && !(await settleWithin(client.endAsync(), drainTimeoutMs))) client.stream?.destroy();
  }

  /**
   * Announces the current production models to every known device, and each device's own
   * telemetry model to that device; `force` republishes even unchanged ones.
   */
  async #announceAll(force: boolean): Promise<void> {
    const devices = await this.#d.db.selectFrom('devices').select(['site', 'device']).execute();
    for (const kind of this.#s.kinds) {
      const announcement = await this.#production(kind);
      if (!announcement) continue;
      for (const ref of devices) await this.#announce(ref, announcement, force);
    }
    const withModel = new Set<string>();
    for (const model of await this.#deviceModels.list()) {
      withModel.add(deviceKey(model.ref));
      await this.#announce(model.ref, this.#deviceAnnouncement(model), force);
    }
    for (const ref of devices) if (!withModel.has(deviceKey(ref))) await this.#withdraw(ref, force);
  }

  /** A device's own telemetry model: announced when the core has one with an ONNX form, withdrawn otherwise. */
  async #syncDeviceModel(ref: DeviceRef, force: boolean): Promise<void> {
    const [model] = await this.#deviceModels.list(ref);
    if (model) await this.#announce(ref, this.#deviceAnnouncement(model), force);
    else await this.#withdraw(ref, force);
  }

  /**
   * Replaces the retained telemetry model announcement of a device with a signed withdrawal.
   * Published once per device and process unless `force` (a device that never had a model gets
   * one too: the core cannot tell it from one whose model was reset while this service was down).
   */
  async #withdraw(ref: DeviceRef, force: boolean): Promise<void> {
    const key = announcedKey(ref, 'telemetry');
    if (!force && this.#announced.get(key) === WITHDRAWN) return;
    const client = this.#client;
    if (!client?.connected) return;
    const withdrawal = signModelWithdrawal({ kind: 'telemetry', reason: 'no telemetry model on the core (reset: the device enrolls again)' }, ref, Math.floor(this.#clock.now()), this.#s.signingKey);
    await client.publishAsync(mqttTopic.model(ref, 'telemetry'), JSON.stringify(withdrawal), { qos: 1, retain: true });
    const had = this.#announced.get(key);
    this.#announced.set(key, WITHDRAWN);
    if (had !== undefined) this.#d.logger.info({ ...ref, kind: 'telemetry' }, 'device telemetry model withdrawn from the agent');
  }

  /**
   * A device's telemetry model (fitted by telemetry-scoring on its own history): announced to
   * that device only, signed the same way, downloaded from this service's device-model route.
   */
  #deviceAnnouncement(m: DeviceTelemetryArtifact): UnsignedAnnouncement {
    const url = `${this.#s.publicBaseUrl.replace(/\/$/, '')}/models/telemetry/devices/${m.ref.site}/${m.ref.device}/artifact/${m.sha256}`;
    return { kind: 'telemetry', version: m.version, sha256: m.sha256, size: m.bytes.byteLength, url };
  }

  /** The unsigned announcement of the production model of `kind`, if there is one. */
  async #production(kind: ModelKind): Promise<UnsignedAnnouncement | undefined> {
    const model = await this.#d.registry.production(kind);
    if (!model) return undefined;
    const url = `${this.#s.publicBaseUrl.replace(/\/$/, '')}/models/${kind}/artifact/${model.sha256}`;
    return { kind, version: model.version, sha256: model.sha256, size: model.size, url };
  }

  async #announce(ref: DeviceRef, a: UnsignedAnnouncement, force: boolean): Promise<void> {
    const key = announcedKey(ref, a.kind);
    if (!force && this.#announced.get(key) === a.sha256) return;
    const client = this.#client;
    if (!client?.connected) return;
    // Signed per device: the signature covers the device, so it is worthless on another one.
    const signed = signAnnouncement(a, ref, Math.floor(this.#clock.now()), this.#s.signingKey);
    await client.publishAsync(mqttTopic.model(ref, a.kind), JSON.stringify(signed), { qos: 1, retain: true });
    this.#announced.set(key, a.sha256);
    this.#d.logger.info({ ...ref, kind: a.kind, version: a.version }, 'model announced');
  }

  /**
   * One baseline event → the agent's command: `faulty` stays faulty; `reset` and `enrolling`
   * (re-enrollment after a repair) reset the edge enrollment; `ready` concerns the core only.
   * Throws while the broker is away, so the event is redelivered rather than lost.
   */
  async #forwardBaseline(event: BaselineEvent): Promise<void> {
    const action = event.state === 'faulty' ? 'faulty' : event.state === 'reset' || event.state === 'enrolling' ? 'reset' : undefined;
    if (!action) return;
    const client = this.#client;
    if (!client?.connected) throw new Error('broker not connected: the baseline command waits for it');
    const ref = { site: event.site, device: event.device };
    const kind: FrameKind = event.kind;
    const command = signBaselineCommand({ kind, action }, ref, Math.floor(this.#clock.now()), this.#s.signingKey);
    await client.publishAsync(mqttTopic.baselineCommand(ref, kind), JSON.stringify(command), { qos: 1, retain: true });
    this.#d.logger.info({ ...ref, kind, action }, 'baseline command sent to the edge agent');
  }

  #onStatus(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed.ok || parsed.topic.channel.type !== 'status') return;
    if (!payload.toString().includes('"online"')) return;
    const ref = { site: parsed.topic.site, device: parsed.topic.device };
    // An agent that just (re)connected waits for a heartbeat before replaying its queue: answer at once.
    if (this.#s.heartbeatMs > 0) this.#client?.publish(mqttTopic.heartbeat(ref), JSON.stringify({ ts: this.#clock.now() }), { qos: 0 });
    void this.#enqueue(async () => {
      for (const kind of this.#s.kinds) {
        const announcement = await this.#production(kind);
        if (announcement) await this.#announce(ref, announcement, false);
      }
      await this.#syncDeviceModel(ref, false);
    });
  }

  async #heartbeat(): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return;
    const devices = await this.#d.db.selectFrom('devices').select(['site', 'device']).where('online', '=', true).execute().catch(() => []);
    const body = JSON.stringify({ ts: this.#clock.now() });
    for (const ref of devices) client.publish(mqttTopic.heartbeat(ref), body, { qos: 0 });
  }

  /** Like {@link #enqueue}, but the caller sees the failure (a bus message to retry). */
  #enqueueOrThrow(work: () => Promise<void>): Promise<void> {
    const run = this.#work.then(work);
    this.#work = run.catch(() => {});
    return run;
  }

  /** Announcements run one at a time so a promotion and a refresh never interleave. */
  #enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.#work.then(work).catch((err: unknown) => this.#d.logger.error({ err: String(err) }, 'model announcement failed; retried on the next refresh'));
    this.#work = run;
    return run;
  }
}

/** The key of `#announced`: one device's model of one kind. */
function announcedKey(ref: DeviceRef, kind: string): string {
  return `${deviceKey(ref)}#${kind}`;
}
