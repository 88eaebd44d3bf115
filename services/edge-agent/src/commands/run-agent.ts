import { ConfigError } from '@premonitor/config';
import { parsePublicKeys, SigningKeyError, type TrustedKey } from '@premonitor/contracts/signing';
import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { readFileSync } from 'node:fs';
import { Gauge } from 'prom-client';
import { systemClock } from '@premonitor/time';
import { EdgeAgent } from '../agent/edge-agent.js';
import { agentConfigShape } from '../config.js';
import { buildSources } from '../sources.js';
import { brokerConnector, configOrExit, type Env } from './startup.js';

/** Parsed once; nothing else in the agent reads the environment. */
export type AgentConfig = ReturnType<typeof configOrExit<typeof agentConfigShape>>;

/** `run`: one device, its sources, store-and-forward, local scoring and model sync, until SIGINT/SIGTERM. */
export async function runAgent(env: Env): Promise<void> {
  const config = configOrExit(agentConfigShape, env);
  const modelPublicKeys = modelKeysOrExit(config);
  const logger = createLogger({ service: 'edge-agent', level: config.LOG_LEVEL });
  const device = config.EDGE_DEVICE;
  const seedDir = config.EDGE_SEED_MODELS_DIR;
  const agent = new EdgeAgent({
    connector: brokerConnector(config.MQTT_CA_FILE),
    ref: { site: config.SITE, device },
    mqttUrl: config.MQTT_URL,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    dataDir: config.EDGE_DATA_DIR,
    baselines: {
      enabled: config.BASELINES_ENABLED,
      policy: { gate: config.ENROLLMENT_GATE, maxFleetScore: 0.5, minIntervalMs: config.BASELINE_MIN_INTERVAL_MS },
      ...(config.DEVICE_FALSE_ALARMS_PER_DAY !== undefined ? { falseAlarmsPerDay: config.DEVICE_FALSE_ALARMS_PER_DAY } : {}),
    },
    sources: buildSources(config.EDGE_SOURCES, systemClock),
    queue: { maxBytes: config.QUEUE_MAX_BYTES, maxAgeMs: config.QUEUE_MAX_AGE_S * 1000, fsync: config.QUEUE_FSYNC, replayPerSecond: config.QUEUE_REPLAY_PER_S },
    frames: { mode: config.QUEUE_FRAMES, sampleEvery: config.QUEUE_FRAMES_SAMPLE_EVERY, context: config.QUEUE_FRAMES_CONTEXT },
    seedModels: { acoustic: `${seedDir}/${config.EDGE_ACOUSTIC_MODEL_FILE}`, thermal: `${seedDir}/thermal.onnx` },
    ...(config.EDGE_VIBRATION_MODEL_FILE ? { vibration: { modelFile: `${seedDir}/${config.EDGE_VIBRATION_MODEL_FILE}`, faultClasses: config.EDGE_VIBRATION_FAULT_CLASSES } } : {}),
    maxModelBytes: config.MODEL_MAX_BYTES,
    modelPublicKeys,
    heartbeatTimeoutMs: config.CORE_HEARTBEAT_TIMEOUT_S * 1000,
    ...(config.ALERT_WEBHOOK_URL ? { webhook: { url: config.ALERT_WEBHOOK_URL, format: config.ALERT_WEBHOOK_FORMAT } } : {}),
    statusIntervalMs: config.STATUS_INTERVAL_S * 1000,
    clock: systemClock,
    logger,
  });
  const registry = createRegistry('edge-agent');
  new Gauge({
    name: 'pm_edge_queue_depth',
    help: 'Messages waiting in the disk queue',
    registers: [registry],
    collect() {
      this.set(agent.stats().queueDepth);
    },
  });
  new Gauge({
    name: 'pm_edge_queue_dropped',
    help: 'Queued messages evicted by the size or age limit (since the queue was created)',
    registers: [registry],
    collect() {
      this.set(agent.stats().dropped);
    },
  });
  const http = new HttpServer({ logger, registry, portSetting: 'HTTP_PORT', readiness: [{ name: 'core', check: () => agent.coreReachable() }] });
  const httpPort = await http.start(config.HTTP_PORT, config.HTTP_HOST);
  await agent.start();
  logger.info({ httpPort, device, sources: config.EDGE_SOURCES.length }, 'edge agent running');
  if (!youngGenerationLimited(env)) {
    logger.warn('started without --max-semi-space-size=1 (the bin sets it, with MALLOC_ARENA_MAX=2): expect ~30 MB more RSS; run `node --max-semi-space-size=1 …/main.js run` or set NODE_OPTIONS');
  }
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    await agent.stop();
    await http.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** True when V8's young generation is capped, as the bin's shebang does; without it V8 lets it grow to 16 MB per semi-space. */
function youngGenerationLimited(env: Env): boolean {
  return [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) => flag.startsWith('--max-semi-space-size'));
}

/** The trusted model keys from EDGE_MODEL_PUBLIC_KEY and EDGE_MODEL_PUBLIC_KEY_FILE; a bad one stops start-up naming the variable. */
function modelKeysOrExit(config: AgentConfig): TrustedKey[] {
  try {
    return modelKeysFromConfig(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

function modelKeysFromConfig(config: AgentConfig): TrustedKey[] {
  const read = (variable: string, text: string): TrustedKey[] => {
    try {
      return parsePublicKeys(text);
    } catch (err) {
      if (!(err instanceof SigningKeyError)) throw err;
      throw new ConfigError(`invalid configuration:\n  ${variable}: ${err.message}`, [variable]);
    }
  };
  let fileText = '';
  if (config.EDGE_MODEL_PUBLIC_KEY_FILE) {
    try {
      fileText = readFileSync(config.EDGE_MODEL_PUBLIC_KEY_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  EDGE_MODEL_PUBLIC_KEY_FILE: cannot read ${config.EDGE_MODEL_PUBLIC_KEY_FILE}: ${(err as Error).message}`, ['EDGE_MODEL_PUBLIC_KEY_FILE']);
    }
  }
  return [...read('EDGE_MODEL_PUBLIC_KEY', config.EDGE_MODEL_PUBLIC_KEY ?? ''), ...read('EDGE_MODEL_PUBLIC_KEY_FILE', fileText)];
}
