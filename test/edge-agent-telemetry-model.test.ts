// A device's own telemetry model, core to edge, in embedded mode: the agent's telemetry reaches
// the core (MQTT → ingest → telemetry-scoring), the core fits the device's model on it,
// telemetry-scoring says so on the bus and model-sync announces it at once (its periodic refresh
// is set to an hour here) to that device signed with the core's key; the agent verifies,
// downloads and keeps it. A forged announcement is refused. A reset on the core withdraws the
// model from the agent (signed; a replay of the withdrawal after the refit is refused). With the
// core gone the agent scores an anomalous stretch with the model and raises fusion's
// telemetry-anomaly rule locally, CRITICAL once it lasted 10 minutes of device time; a restarted
// agent still runs the model it kept on disk; and when the core is back, the agent's escalated
// CRITICAL edge alert escalates the core's alert.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { loadConfig } from '@premonitor/config';
import { mqttTopic } from '@premonitor/contracts';
import { generateSigningKey, parsePublicKeys, publicKeyText, signAnnouncement, signingKeyFromPem } from '@premonitor/contracts/signing';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { EdgeAgent, type SampleSink, type SensorSource } from '@premonitor/edge-agent';
import { systemClock } from '@premonitor/time';
import { authEnv, bearer } from './support/auth.js';
import { waitFor } from './support/wait.js';
import { pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'edge-telemetry-model-test', level: 'silent' });

/** Deterministic uniform noise in [-0.5, 0.5). */
function noise(i: number, k: number): number {
  const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/** Rows the core enrolls the device on (TELEMETRY_ENROLL_ROWS). */
const ENROLL = 120;

/**
 * A pump at step i: flow, current and pressure follow one noisy load; `fault` lifts the current
 * off its relation to the flow. Its healthy cycle repeats every {@link ENROLL} steps, so healthy
 * windows after enrollment are the enrollment's own (a threshold fitted on 120 rows is a 0.99
 * quantile of ~100 windows: fresh healthy data would cross it now and then, which is the
 * detector's false alarm rate, measured by the bench, not what this test is about).
 */
function pump(step: number, fault = 0): Record<string, number> {
  const i = step % ENROLL;
  const load = 2 * noise(i, 4);
  return { flow: 30 + 2 * load + 0.3 * noise(i, 1), current: 1.5 + 0.2 * load + 0.03 * noise(i, 2) + fault, pressure: 2 + 0.1 * load + 0.02 * noise(i, 3) };
}

/** A telemetry source the test drives: each `send` is emitted in order, one reading per second of device time. */
class ScriptedTelemetry implements SensorSource {
  readonly name = 'plc';
  readonly #queue: { ts: number; readings: Record<string, number> }[] = [];
  #wake: (() => void) | undefined;
  #step = 0;
  readonly #t0: number;

  constructor(t0: number, firstStep = 0) {
    this.#t0 = t0;
    this.#step = firstStep;
  }

  get step(): number {
    return this.#step;
  }

  send(count: number, fault = 0): void {
    for (let n = 0; n < count; n++, this.#step++) this.#queue.push({ ts: this.#t0 + this.#step * 1000, readings: pump(this.#step, fault) });
    this.#wake?.();
  }

  async run(sink: SampleSink, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = this.#queue.shift();
      if (next) {
        await sink({ type: 'telemetry', ...next });
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.#wake = undefined;
    }
  }
}

describe('a device’s own telemetry model, core to edge', { timeout: 300_000 }, () => {
  const ref = { site: 'edge-telemetry', device: 'pump-1' };
  // Device time an hour ago, one reading per second: the replay takes seconds.
  const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  let dataDir = '';
  let platform: EmbeddedPlatform | undefined;
  let agent: EdgeAgent | undefined;
  let mqttUrl = '';
  let httpUrl = '';
  let publicKey = '';
  const source = new ScriptedTelemetry(T0);
  const agentOptions = (sources: SensorSource[]) => ({
    ref,
    mqttUrl,
    dataDir: join(dataDir, 'agent'),
    sources,
    queue: { maxBytes: 16 * 1024 * 1024, maxAgeMs: 0, fsync: 'never' as const, replayPerSecond: 1_000 },
    frames: { mode: 'all' as const, sampleEvery: 1, context: 0 },
    modelPublicKeys: parsePublicKeys(publicKey),
    // The embedded core's heartbeat comes every 5 s.
    heartbeatTimeoutMs: 12_000,
    // Rare on purpose: model-sync also announces when a device's status says online, which would
    // deliver a new fit within one status interval even without the fit event under test.
    statusIntervalMs: 3_600_000,
    clock: systemClock,
    logger,
  });

  /** The embedded core on `dataDir`; `env` adds to (or overrides) its settings. Model sync's periodic refresh: an hour. */
  const startPlatform = async (env: Record<string, string> = {}) => {
    const config = loadConfig(platformConfigShape, { ...pgliteTemplateEnv(), PM_DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', MQTT_ALLOW_ANONYMOUS: 'true', TELEMETRY_ENROLL_ROWS: String(ENROLL), MODEL_SYNC_REFRESH_MS: '3600000', LOG_LEVEL: 'silent', ...authEnv(), ...env });
    platform = new EmbeddedPlatform(config, logger);
    return platform.start();
  };
  /** The core's telemetry model of the device, once it is ready. */
  const coreModel = () =>
    waitFor(
      'the core fitted the device’s model',
      async () => {
        const res = await fetch(`${httpUrl}/api/v1/telemetry/devices/${ref.site}/${ref.device}`, { headers: bearer() });
        const status = res.ok ? ((await res.json()) as { state: string; modelVersion: string | null; sensors: string[] }) : undefined;
        return status?.state === 'ready' ? status : undefined;
      },
      60_000,
      250,
    );

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pm-edge-telemetry-'));
    const endpoints = await startPlatform();
    mqttUrl = endpoints.mqttUrl;
    httpUrl = endpoints.httpUrl;
    // As an operator would: the public key of the key the embedded core created.
    publicKey = publicKeyText(signingKeyFromPem(await readFile(join(dataDir, 'model-signing-key.pem'), 'utf8')));
    agent = new EdgeAgent(agentOptions([source]));
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the core fits the device’s model on its telemetry and the agent receives, verifies and runs it', async (t) => {
    await waitFor('the agent reaches the core', () => agent!.coreReachable(), 30_000);
    // Enrollment (its first rows are the 10 discovery messages), plus a few to close the last step.
    source.send(ENROLL + 5);
    const core = await coreModel();
    const fittedAt = performance.now();
    assert.ok(core.sensors.length >= 2, `a multi-sensor PCA model, which has an ONNX form: ${core.sensors}`);
    // Model sync's refresh is an hour away: the fit event brings it.
    await waitFor('the agent runs the device’s model within seconds of the fit', () => agent!.status().models?.['telemetry'] === core.modelVersion, 15_000, 100);
    t.diagnostic(`the agent ran the model ${Math.round(performance.now() - fittedAt)} ms after the core reported it ready`);
    assert.equal(agent!.status().modelErrors?.['telemetry'], undefined);
    // Healthy readings once the model is in: windows are scored, none alarms.
    const scored = agent!.stats().scored.telemetry;
    source.send(40);
    await waitFor('healthy windows scored on the edge', () => agent!.stats().scored.telemetry >= scored + 15, 30_000);
  });

  it('refuses a forged telemetry model announcement and keeps the model it runs', async () => {
    const running = agent!.status().models?.['telemetry'];
    const attacker = generateSigningKey();
    const forged = signAnnouncement({ kind: 'telemetry', version: 'forged-telemetry-1', sha256: 'a'.repeat(64), size: 1000, url: `${httpUrl}/api/v1/models/telemetry/devices/${ref.site}/${ref.device}/artifact/${'a'.repeat(64)}` }, ref, Date.now() + 1_000, attacker);
    const client = await mqtt.connectAsync(mqttUrl, { clientId: `forger-${Math.random().toString(16).slice(2)}` });
    await client.publishAsync(mqttTopic.model(ref, 'telemetry'), JSON.stringify(forged), { qos: 1, retain: true });
    await client.endAsync();
    await waitFor('the forged announcement is refused', () => new RegExp(`^forged-telemetry-1: refused: signed by unknown key ${attacker.keyId}`).test(agent!.status().modelErrors?.['telemetry'] ?? ''), 30_000);
    assert.equal(agent!.status().models?.['telemetry'], running);
  });

  it('a reset on the core withdraws the model from the agent, signed; the refit is accepted and a replayed withdrawal refused', async (t) => {
    const old = agent!.status().models?.['telemetry'];
    assert.ok(old);
    const reset = await fetch(`${httpUrl}/api/v1/telemetry/devices/${ref.site}/${ref.device}/reset`, { method: 'POST', headers: bearer() });
    assert.equal(reset.status, 200);
    const resetAt = performance.now();
    await waitFor('the agent stops running the model', () => agent!.status().models?.['telemetry'] === undefined, 15_000, 100);
    t.diagnostic(`the agent dropped the model ${Math.round(performance.now() - resetAt)} ms after the reset answered`);
    assert.match(agent!.status().modelsWithdrawn?.['telemetry'] ?? '', new RegExp(`^${old}: withdrawn by the core`));
    assert.equal(existsSync(join(dataDir, 'agent', 'models', 'telemetry.onnx')), false, 'deleted from disk');
    assert.equal(existsSync(join(dataDir, 'agent', 'models', 'telemetry.previous.onnx')), false, 'not kept as a rollback either');
    const scored = agent!.stats().scored.telemetry;
    source.send(20);
    await agent!.settled();
    assert.equal(agent!.stats().scored.telemetry, scored, 'no local telemetry scoring without a model');
    // The withdrawal as the broker keeps it (retained), to replay later.
    const client = await mqtt.connectAsync(mqttUrl, { clientId: `replayer-${Math.random().toString(16).slice(2)}` });
    const retained = new Promise<Buffer>((resolve) => client.on('message', (_t, payload) => resolve(payload)));
    await client.subscribeAsync(mqttTopic.model(ref, 'telemetry'), { qos: 1 });
    const withdrawal = await retained;
    assert.match(withdrawal.toString(), /"withdrawn":true/);
    // The device enrolls again on its next readings; the new fit reaches the agent at once.
    source.send(ENROLL + 5);
    const refit = await coreModel();
    assert.notEqual(refit.modelVersion, old);
    await waitFor('the agent runs the new model', () => agent!.status().models?.['telemetry'] === refit.modelVersion, 15_000, 100);
    assert.equal(agent!.status().modelsWithdrawn, undefined);
    const before = agent!.stats().scored.telemetry;
    source.send(40);
    await waitFor('the new model scores', () => agent!.stats().scored.telemetry >= before + 15, 30_000);
    await client.publishAsync(mqttTopic.model(ref, 'telemetry'), withdrawal, { qos: 1, retain: true });
    await client.endAsync();
    await waitFor('the replayed withdrawal is refused', () => /^withdrawal: refused: .*a replay\?/.test(agent!.status().modelErrors?.['telemetry'] ?? ''), 15_000, 100);
    assert.equal(agent!.status().models?.['telemetry'], refit.modelVersion);
  });

  it('with the core gone, scores an anomalous stretch with the device’s model and raises telemetry-anomaly locally, CRITICAL after 10 minutes', async () => {
    await platform!.stop();
    platform = undefined;
    await waitFor('the agent sees the core is unreachable', () => !agent!.coreReachable(), 30_000);
    const alerts = agent!.stats().localAlerts;
    const scored = agent!.stats().scored.telemetry;
    source.send(30);
    await waitFor('healthy windows scored offline', () => agent!.stats().scored.telemetry >= scored + 25, 30_000);
    assert.equal(agent!.stats().localAlerts, alerts, 'healthy readings raise nothing');
    source.send(30, 0.5);
    await waitFor('a local telemetry-anomaly alert', () => agent!.stats().localAlerts > alerts, 30_000);
    await agent!.settled();
    const log = await readFile(join(dataDir, 'agent', 'alerts.log'), 'utf8');
    assert.match(log, /"rule":"telemetry-anomaly"/);
    assert.match(log, /"severity":"WARNING"/);
    // The anomaly goes on for 10 more minutes of device time (one reading a second).
    source.send(610, 0.5);
    await waitFor('the local alert escalates', () => agent!.stats().localAlerts > alerts + 1, 120_000);
    await agent!.settled();
    const lines = (await readFile(join(dataDir, 'agent', 'alerts.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { rule: string; severity: string; message: string });
    assert.deepEqual(lines.map((l) => [l.rule, l.severity]), [['telemetry-anomaly', 'WARNING'], ['telemetry-anomaly', 'CRITICAL']]);
    assert.match(lines[1]!.message, /telemetry anomaly, raised for 6\d\d s/);
  });

  it('keeps the model on disk: a restarted agent runs it without the core', async () => {
    const version = agent!.status().models?.['telemetry'];
    assert.ok(version);
    await agent!.stop();
    const again = new ScriptedTelemetry(T0, source.step);
    agent = new EdgeAgent(agentOptions([again]));
    await agent.start();
    assert.equal(agent.status().models?.['telemetry'], version);
    again.send(30);
    await waitFor('the kept model scores after the restart', () => agent!.stats().scored.telemetry >= 5, 30_000);
  });

  it('the core back, the agent’s escalated CRITICAL edge alert is accepted and escalates the core’s alert', async () => {
    // The core scores the replayed readings too; its own escalation is pushed out of reach here,
    // so a CRITICAL can only come from the agent's edge alert.
    const rules = join(dataDir, 'rules.json');
    await writeFile(rules, JSON.stringify({ rules: [{ id: 'telemetry-anomaly', sustained: { forMs: 86_400_000, severity: 'CRITICAL' } }] }));
    const endpoints = await startPlatform({ MQTT_PORT: new URL(mqttUrl).port, FUSION_RULES_FILE: rules });
    httpUrl = endpoints.httpUrl;
    await waitFor('the agent reaches the core again', () => agent!.coreReachable(), 60_000);
    const alert = await waitFor(
      'the core’s telemetry-anomaly alert is CRITICAL',
      async () => {
        const res = await fetch(`${httpUrl}/api/v1/alerts?device=${ref.device}&rule=telemetry-anomaly`, { headers: bearer() });
        const { items } = (await res.json()) as { items: { id: string; severity: string }[] };
        return items.find((a) => a.severity === 'CRITICAL');
      },
      120_000,
      500,
    );
    const detail = (await (await fetch(`${httpUrl}/api/v1/alerts/${alert.id}`, { headers: bearer() })).json()) as { events: { to: string; actor: string; note: string | null }[] };
    const escalation = detail.events.find((e) => e.note?.startsWith('escalated WARNING → CRITICAL'));
    assert.equal(escalation?.actor, 'edge', JSON.stringify(detail.events));
    assert.match(escalation!.note!, /raised for 6\d\d s/);
  });
});
