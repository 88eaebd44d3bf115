// A device's own telemetry model, core to edge, in embedded mode: the agent's telemetry reaches
// the core (MQTT → ingest → telemetry-scoring), the core fits the device's model on it,
// model-sync announces it to that device signed with the core's key, the agent verifies,
// downloads and keeps it, and — with the core gone — scores an anomalous stretch of its own
// readings with it and raises fusion's telemetry-anomaly rule locally. A forged announcement of a
// telemetry model is refused; a restarted agent still runs the model it kept on disk.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
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
    statusIntervalMs: 500,
    clock: systemClock,
    logger,
  });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pm-edge-telemetry-'));
    const config = loadConfig(platformConfigShape, { PM_DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', MQTT_ALLOW_ANONYMOUS: 'true', TELEMETRY_ENROLL_ROWS: String(ENROLL), LOG_LEVEL: 'silent', ...authEnv() });
    platform = new EmbeddedPlatform(config, logger);
    const endpoints = await platform.start();
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

  it('the core fits the device’s model on its telemetry and the agent receives, verifies and runs it', async () => {
    await waitFor('the agent reaches the core', () => agent!.coreReachable(), 30_000);
    // Enrollment (its first rows are the 10 discovery messages), plus a few to close the last step.
    source.send(ENROLL + 5);
    const core = await waitFor(
      'the core fitted the device’s model',
      async () => {
        const res = await fetch(`${httpUrl}/api/v1/telemetry/devices/${ref.site}/${ref.device}`, { headers: bearer() });
        const status = res.ok ? ((await res.json()) as { state: string; modelVersion: string | null; sensors: string[] }) : undefined;
        return status?.state === 'ready' ? status : undefined;
      },
      60_000,
      250,
    );
    assert.ok(core.sensors.length >= 2, `a multi-sensor PCA model, which has an ONNX form: ${core.sensors}`);
    // model-sync's periodic check (30 s in embedded mode) announces it.
    await waitFor('the agent runs the device’s model', () => agent!.status().models?.['telemetry'] === core.modelVersion, 90_000, 100);
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

  it('with the core gone, scores an anomalous stretch with the device’s model and raises telemetry-anomaly locally', async () => {
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
});
