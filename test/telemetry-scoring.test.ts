// Telemetry scoring end to end in embedded mode: SKAB experiments (a pump rig, 1 Hz, eight
// sensors with real names) replayed through MQTT as one device's telemetry each, with their
// timestamps compressed into the last hour (the replay takes seconds, the device's time runs at
// 1 Hz). Each device enrolls on its first 400 s, then its labelled valve fault must raise one
// telemetry-anomaly alert inside the labelled window and the alert must resolve after it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '@premonitor/config';
import { mqttTopic, type DeviceRef } from '@premonitor/contracts';
import type { DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { authEnv, bearer } from './support/auth.js';
import { pgliteTemplateEnv } from './support/pglite-template.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const skabDir = resolve(process.env['PM_SHARED_DATA_DIR'] ?? resolve(repoRoot, '../shared/data'), 'skab/valve1');
const haveSkab = existsSync(skabDir);
if (!haveSkab) console.log(`NOTE: ${skabDir} not found (set PM_SHARED_DATA_DIR); the SKAB replay test is skipped`);

const logger = createLogger({ service: 'telemetry-scoring-test', level: 'silent' });
// Quiet period of the rule: long enough that a stall of the loaded host inside the fault (clock
// time) never resolves the alert early, short enough to see it resolve after.
const QUIET_MS = 15_000;

interface Experiment {
  readonly rows: readonly Record<string, number>[];
  /** First and last labelled anomalous row. */
  readonly anomaly: readonly [number, number];
}

function readExperiment(file: string): Experiment {
  const [header, ...lines] = readFileSync(join(skabDir, file), 'utf8').trim().split('\n');
  const columns = header!.split(';');
  const sensors = columns.slice(1, 9);
  const labels: number[] = [];
  const rows = lines.map((line) => {
    const cells = line.split(';');
    labels.push(Number(cells[9]));
    return Object.fromEntries(sensors.map((s, i) => [s, Number(cells[i + 1])]));
  });
  return { rows, anomaly: [labels.indexOf(1), labels.lastIndexOf(1)] };
}

interface Alert {
  id: number;
  severity: string;
  status: string;
}

describe('telemetry scoring: SKAB replayed through MQTT', { skip: !haveSkab, timeout: 300_000 }, () => {
  let dataDir = '';
  let platform: EmbeddedPlatform | undefined;
  let db: DatabaseHandle;
  let httpUrl = '';
  let client: MqttClient;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pm-telemetry-'));
    // Short quiet period so "resolved after" happens within the test; critical after 2 minutes of device time.
    const rulesFile = join(dataDir, 'rules.json');
    await writeFile(rulesFile, JSON.stringify({ rules: [{ id: 'telemetry-anomaly', quietPeriodMs: QUIET_MS, sustained: { forMs: 120_000, severity: 'CRITICAL' } }] }));
    const config = loadConfig(platformConfigShape, { ...pgliteTemplateEnv(), PM_DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', MQTT_ALLOW_ANONYMOUS: 'true', FUSION_RULES_FILE: rulesFile, LOG_LEVEL: 'silent', ...authEnv() });
    platform = new EmbeddedPlatform(config, logger);
    const endpoints = await platform.start();
    httpUrl = endpoints.httpUrl;
    db = platform.database();
    client = await mqtt.connectAsync(endpoints.mqttUrl, { clientId: 'skab-replay' });
  });

  after(async () => {
    await client?.endAsync();
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Publishes rows [from, to) as the device's telemetry, 1 s apart in device time from `t0` (QoS 1, pipelined: one connection keeps the order). */
  async function replay(ref: DeviceRef, e: Experiment, t0: number, from: number, to: number): Promise<void> {
    const sent: Promise<unknown>[] = [];
    for (let i = from; i < to; i++) sent.push(client.publishAsync(mqttTopic.telemetry(ref), JSON.stringify({ ts: t0 + i * 1000, seq: i + 1, readings: e.rows[i] }), { qos: 1 }));
    await Promise.all(sent);
  }

  /** Waits until telemetry scoring has scored the window ending at row `row` (or, enrolling, seen it). */
  async function scoredThrough(ref: DeviceRef, t0: number, row: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await fetch(`${httpUrl}/api/v1/telemetry/devices/${ref.site}/${ref.device}`, { headers: bearer() });
      if (res.ok) {
        const status = (await res.json()) as { lastScore: { ts: number } | null };
        // The step of row `row` closes with the next message: its window ends one step earlier.
        if (status.lastScore && status.lastScore.ts >= t0 + (row - 1) * 1000) break;
      }
      if (Date.now() > deadline) throw new Error(`telemetry of ${ref.device} not scored through row ${row}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Fusion applies the scores asynchronously: give it until the queue is empty.
    await new Promise((r) => setTimeout(r, 1_500));
  }

  async function alerts(ref: DeviceRef): Promise<Alert[]> {
    return db.db.selectFrom('alerts').select(['id', 'severity', 'status']).where('device_id', '=', `${ref.site}/${ref.device}`).where('rule', '=', 'telemetry-anomaly').orderBy('id').execute() as Promise<Alert[]>;
  }

  for (const file of ['15.csv', '7.csv']) {
    it(`experiment ${file}: enrolls, raises one alert inside the labelled fault, resolves it after`, async () => {
      const e = readExperiment(file);
      const ref = { site: 'skab', device: `valve1-${file.replace('.csv', '')}` };
      const [start, end] = e.anomaly;
      const t0 = Date.now() - e.rows.length * 1000 - 60_000;

      await replay(ref, e, t0, 0, start);
      await scoredThrough(ref, t0, start - 1);
      const status = (await (await fetch(`${httpUrl}/api/v1/telemetry/devices/${ref.site}/${ref.device}`, { headers: bearer() })).json()) as { state: string; sensors: string[]; keys: string[] };
      assert.equal(status.state, 'ready');
      assert.ok(status.keys.includes('Volume Flow RateRMS'), 'real sensor names are stored and modelled');
      assert.deepEqual(await alerts(ref), [], 'no alert on the healthy run before the fault');

      await replay(ref, e, t0, start, end + 1);
      await scoredThrough(ref, t0, end);
      const during = await alerts(ref);
      assert.equal(during.length, 1, 'one alert for the fault');
      assert.equal(during[0]!.status, 'open');
      assert.equal(during[0]!.severity, 'CRITICAL', 'the fault lasted over 2 minutes: escalated');

      await replay(ref, e, t0, end + 1, e.rows.length);
      await scoredThrough(ref, t0, e.rows.length - 2);
      // Resolved once quiet for QUIET_MS of clock time after its last hold (fusion ticks every second).
      const deadline = Date.now() + QUIET_MS + 60_000;
      while ((await alerts(ref)).some((a) => a.status !== 'resolved') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const afterwards = await alerts(ref);
      assert.equal(afterwards.length, 1, 'no further alert after the fault');
      assert.equal(afterwards[0]!.status, 'resolved');

      const scores = await db.db.selectFrom('scores').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', `${ref.site}/${ref.device}`).where('kind', '=', 'telemetry').executeTakeFirstOrThrow();
      assert.ok(Number(scores.n) > e.rows.length - 450, `${scores.n} window scores stored`);
    });
  }
});
