// npm run bench -- edge [--outage-s 60] [--devices 10] [--clips 200] [--rss-s 20]
// Local inference per 1 s clip (float32, INT8) and per thermal frame on one core; the agent's
// RSS and CPU at steady state, measured on the agent as deployed (`main.js run` in its own
// process, with its bin's node flags: 3 simulated sources at 1 Hz); and an outage run: N devices
// × 1 Hz telemetry, the broker down for --outage-s, then back; sent vs stored. Last line: one
// JSON summary.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '@premonitor/broker';
import { mqttTopic } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { EdgeAgent, LocalModel, SimulatedSource, type EdgeAgentOptions } from '@premonitor/edge-agent';
import { systemClock } from '@premonitor/time';
import { EdgeBenchCore } from './support/edge-core.js';
import { measureAgentProcess } from './support/agent-process.js';

const { values } = parseArgs({ options: { 'outage-s': { type: 'string', default: '60' }, devices: { type: 'string', default: '10' }, clips: { type: 'string', default: '200' }, 'rss-s': { type: 'string', default: '20' } } });
const outageS = Number(values['outage-s']);
const devices = Number(values.devices);
const clips = Number(values.clips);
const rssS = Number(values['rss-s']);
const logger = createLogger({ service: 'bench-edge', level: 'warn' });
const MODELS = new URL('../../models/', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[edge] ${msg}`);

async function timeModel(file: string, kind: 'acoustic' | 'thermal'): Promise<number> {
  const model = await LocalModel.load(new Uint8Array(readFileSync(join(MODELS, file))), kind);
  const frame =
    kind === 'acoustic'
      ? { kind, ts: 0, seq: 0, sampleRate: 16_000, samples: Int16Array.from({ length: 16_000 }, (_, i) => Math.round(3000 * Math.sin(i / 7) + 500 * Math.sin(i * 1.3))) }
      : { kind, ts: 0, seq: 0, width: 32, height: 24, celsius: Float32Array.from({ length: 768 }, (_, i) => 25 + (i % 32) / 4) };
  for (let i = 0; i < 20; i++) await model.score(frame);
  const times: number[] = [];
  for (let i = 0; i < clips; i++) {
    const t0 = process.hrtime.bigint();
    await model.score(frame);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await model.release();
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 100) / 100;
}

function agentOptions(device: string, url: string, dir: string, withFrames: boolean): EdgeAgentOptions {
  const sources = [new SimulatedSource({ name: 'telemetry', machine: 'pump', signal: 'telemetry', intervalMs: 1_000, seed: device.length, clock: systemClock })];
  if (withFrames) {
    sources.push(new SimulatedSource({ name: 'mic', machine: 'pump', signal: 'acoustic', intervalMs: 1_000, seed: 2, clock: systemClock }));
    sources.push(new SimulatedSource({ name: 'thermal', machine: 'pump', signal: 'thermal', intervalMs: 1_000, seed: 3, clock: systemClock }));
  }
  return {
    ref: { site: 'bench-edge', device },
    mqttUrl: url,
    dataDir: join(dir, device),
    sources,
    queue: { maxBytes: 256 * 1024 * 1024, maxAgeMs: 0, fsync: 'interval', replayPerSecond: 200 },
    frames: { mode: 'anomaly', sampleEvery: 10, context: 2 },
    seedModels: { acoustic: join(MODELS, 'acoustic.onnx'), thermal: join(MODELS, 'thermal.onnx') },
    heartbeatTimeoutMs: 3_000,
    clock: systemClock,
    logger,
  };
}

async function main(): Promise<void> {
  const clipMs = await timeModel('acoustic.onnx', 'acoustic');
  const clipMsInt8 = await timeModel('acoustic.int8.onnx', 'acoustic');
  const thermalMs = await timeModel('thermal.onnx', 'thermal');
  log(`inference (median of ${clips}, 1 thread): clip ${clipMs} ms, clip int8 ${clipMsInt8} ms, thermal ${thermalMs} ms`);

  const dir = mkdtempSync(join(tmpdir(), 'pm-bench-edge-'));
  let broker = new EmbeddedBroker({ port: 0, credentials: null, logger });
  await broker.start();
  const port = broker.port;
  const url = broker.url;

  // RSS: the agent process alone (not this one, which also holds the broker and the timing sessions above).
  const usage = await measureAgentProcess({ mqttUrl: url, site: 'bench-edge', dataDir: join(dir, 'rss-probe'), warmupS: 5, seconds: rssS });
  const rssMb = usage.rssMb;
  log(
    `agent process (${[...Object.entries(usage.launch.env).map(([k, v]) => `${k}=${v}`), 'node', ...usage.launch.nodeFlags].join(' ')} main.js run; telemetry, acoustic and thermal at 1 Hz, 2 ONNX sessions) after ${rssS} s: ` +
      `RSS ${rssMb} MB (peak ${usage.peakRssMb} MB), CPU ${usage.cpuPercent} % of one core; broker received ${JSON.stringify(usage.received)}`,
  );
  if (!((usage.received['frame/acoustic'] ?? 0) > 0 && (usage.received['telemetry'] ?? 0) > 0)) throw new Error('the agent process published nothing: its RSS would not be a steady-state figure');

  const core = new EdgeBenchCore(logger);
  await core.start(url);
  const heartbeat: MqttClient = await mqtt.connectAsync(url, { clientId: 'bench-edge-heartbeat', reconnectPeriod: 500 });
  const refs = Array.from({ length: devices }, (_, i) => `dev-${String(i + 1).padStart(3, '0')}`);
  const beat = setInterval(() => {
    void core.ready().then((ok) => {
      if (!ok || !heartbeat.connected) return;
      for (const d of refs) heartbeat.publish(mqttTopic.heartbeat({ site: 'bench-edge', device: d }), '{}', { qos: 0 });
    });
  }, 1_000);
  const agents = refs.map((d) => new EdgeAgent(agentOptions(d, url, dir, false)));
  for (const a of agents) await a.start();
  await sleep(5_000);
  log(`broker down for ${outageS} s with ${devices} devices × 1 Hz`);
  await broker.stop();
  await sleep(outageS * 1000);
  const queued = agents.reduce((n, a) => n + a.stats().queueDepth, 0);
  broker = new EmbeddedBroker({ port, credentials: null, logger });
  await broker.start();
  const t0 = Date.now();
  await sleep(1_000);
  while (agents.some((a) => a.stats().queueDepth > 0 || !a.stats().coreReachable)) await sleep(250);
  log(`broker back: ${queued} queued messages replayed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(2_000);
  for (const a of agents) await a.stopSources();
  while (agents.some((a) => a.stats().queueDepth > 0 || a.stats().inFlight > 0)) await sleep(250);
  // Sequence numbers are dense here (fresh queues, one run): sent = the numbers used.
  const sent = agents.reduce((n, a) => n + a.stats().nextSeq, 0);
  let stored = 0;
  for (let i = 0; i < 40 && stored < sent; i++) {
    await sleep(250);
    stored = await core.storedMessages();
  }
  clearInterval(beat);
  await heartbeat.endAsync(true);
  for (const a of agents) await a.stop();
  await core.stop();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  const lost = sent - stored;
  log(`outage: sent ${sent}, stored ${stored}, lost ${lost}`);
  console.log(JSON.stringify({ bench: 'edge', clip_ms: clipMs, clip_ms_int8: clipMsInt8, thermal_ms: thermalMs, rss_mb: rssMb, rss_peak_mb: usage.peakRssMb, agent_cpu_pct: usage.cpuPercent, outage_s: outageS, outage_sent: sent, outage_stored: stored, lost }));
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
