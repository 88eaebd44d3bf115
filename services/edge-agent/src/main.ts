#!/usr/bin/env node
import { envBool, envEnum, envInt, envUrl, loadConfig, ConfigError } from '@premonitor/config';
import { isValidId } from '@premonitor/contracts';
import { parsePublicKeys, SigningKeyError, type TrustedKey } from '@premonitor/contracts/signing';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { systemClock } from '@premonitor/time';
import { mqttConnector, type MqttConnector } from './mqtt-session.js';
import { CsvReplay } from './csv-replay.js';
import { Simulator } from './simulator.js';
import { EdgeAgent } from './edge-agent.js';
import { buildSources, sourcesConfig } from './source-config.js';

const id = (fallback: string) => z.string().refine(isValidId, 'must match [a-z0-9-]{1,64}').default(fallback);

const configShape = {
  /** The broker's device listener: `mqtts://host:8883` (TLS) anywhere but a private network, `mqtt://host:1883` there. */
  MQTT_URL: envUrl(['mqtt', 'mqtts', 'ws', 'wss'], 'mqtt://127.0.0.1:1883'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** PEM CA the broker's TLS certificate must chain to (mosquitto/certs/ca.crt for development certificates); default the system's CAs. */
  MQTT_CA_FILE: z.string().min(1).optional(),
  SITE: id('site-1'),
  DEVICE_COUNT: envInt(3, 0, 10_000),
  TELEMETRY_INTERVAL_MS: envInt(1_000, 1, 86_400_000),
  ACOUSTIC_INTERVAL_MS: envInt(0, 0, 86_400_000),
  THERMAL_INTERVAL_MS: envInt(0, 0, 86_400_000),
  REPLAY_CSV: z.string().optional(),
  REPLAY_DEVICE: id('replay-001'),
  REPLAY_SPEEDUP: z
    .string()
    .regex(/^(\d+(\.\d+)?|Infinity)$/, 'must be a number ≥ 0 (0 or Infinity = as fast as possible)')
    .transform(Number)
    .default(1),
  SEED: envInt(1, 0, 0xffff_ffff),
  /** /healthz, /readyz (broker connected) and /metrics; 0 picks a free port. */
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envInt(9464, 0, 65_535),
  LOG_LEVEL: envEnum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
  // ---- Agent mode (the Pi): set EDGE_DEVICE. Without it the process simulates DEVICE_COUNT devices or replays REPLAY_CSV. ----
  /** This device's id; its MQTT username is `{SITE}/{EDGE_DEVICE}`. */
  EDGE_DEVICE: z.string().refine(isValidId, 'must match [a-z0-9-]{1,64}').optional(),
  /** JSON array of sensor sources (see services/edge-agent/README.md). */
  EDGE_SOURCES: sourcesConfig.default([]),
  /** Queue, models, sequence number and local alert log. */
  EDGE_DATA_DIR: z.string().min(1).default('/var/lib/premonitor-edge'),
  /** Shipped models copied in on first start (the repository's models/). */
  EDGE_SEED_MODELS_DIR: z.string().min(1).default(new URL('../../../models/', import.meta.url).pathname),
  EDGE_ACOUSTIC_MODEL_FILE: z.string().min(1).default('acoustic.onnx'),
  QUEUE_MAX_BYTES: envInt(256 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024 * 1024),
  /** Queued records older than this are dropped (counted); 0 = no limit. */
  QUEUE_MAX_AGE_S: envInt(7 * 86_400, 0, 365 * 86_400),
  QUEUE_FSYNC: envEnum(['always', 'interval', 'never'], 'interval'),
  QUEUE_REPLAY_PER_S: envInt(200, 1, 100_000),
  /** Frames kept while the broker is unreachable. */
  QUEUE_FRAMES: envEnum(['all', 'sampled', 'anomaly'], 'anomaly'),
  QUEUE_FRAMES_SAMPLE_EVERY: envInt(10, 1, 100_000),
  QUEUE_FRAMES_CONTEXT: envInt(2, 0, 100),
  /** Core heartbeat timeout, s; 0 = the core counts as reachable while the broker is. */
  CORE_HEARTBEAT_TIMEOUT_S: envInt(0, 0, 86_400),
  /** Local alerts while the core is unreachable also go here. */
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  ALERT_WEBHOOK_FORMAT: envEnum(['discord', 'json'], 'json'),
  MODEL_MAX_BYTES: envInt(32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /**
   * The core's model signing public key(s): base64 (what `model-sync public-key` prints), several
   * separated by commas during a key rotation. Model updates not signed by one of them are refused.
   */
  EDGE_MODEL_PUBLIC_KEY: z.string().min(1).optional(),
  /** A file of such keys (base64 lines or PEM blocks), added to EDGE_MODEL_PUBLIC_KEY. */
  EDGE_MODEL_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  STATUS_INTERVAL_S: envInt(30, 1, 86_400),
  /** Enroll this device's own healthy baselines and score against them once enrolled (as the core does). */
  BASELINES_ENABLED: envBool(true),
  /** Least time between two enrollment samples, ms. */
  BASELINE_MIN_INTERVAL_MS: envInt(30_000, 0, 86_400_000),
};

/** Parsed once; nothing else in the edge agent reads the environment. */
export type EdgeAgentConfig = ReturnType<typeof loadConfig<typeof configShape>>;

async function main(): Promise<void> {
  let config: EdgeAgentConfig;
  try {
    config = loadConfig(configShape, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: 'edge-agent', level: config.LOG_LEVEL });
  const connector = brokerConnector(config);
  const common = {
    connector,
    mqttUrl: config.MQTT_URL,
    site: config.SITE,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    clock: systemClock,
    logger,
  };

  if (config.EDGE_DEVICE) return runAgent(config, config.EDGE_DEVICE, connector, logger);

  const runner = config.REPLAY_CSV
    ? new CsvReplay({ ...common, path: config.REPLAY_CSV, device: config.REPLAY_DEVICE, speedup: config.REPLAY_SPEEDUP })
    : new Simulator({
        ...common,
        deviceCount: config.DEVICE_COUNT,
        telemetryIntervalMs: config.TELEMETRY_INTERVAL_MS,
        acousticIntervalMs: config.ACOUSTIC_INTERVAL_MS,
        thermalIntervalMs: config.THERMAL_INTERVAL_MS,
        seed: config.SEED,
      });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, code: number) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'stopping');
      await runner.stop();
      await http.stop();
      logger.info({ stats: summary() }, 'stopped');
      process.exit(code);
    })();
    return stopping;
  };
  const summary = () => {
    const s = runner.stats();
    return 'rowsSent' in s ? { rowsSent: s.rowsSent, rowsSkipped: s.rowsSkipped } : { devices: s.devices, connected: s.connected, ...s.byKind };
  };
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));

  const registry = createRegistry('edge-agent');
  new Gauge({
    name: 'pm_edge_messages_published',
    help: 'Messages acknowledged by the broker since start, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const s = runner.stats();
      if ('rowsSent' in s) this.set({ kind: 'telemetry' }, s.rowsSent);
      else for (const [kind, counts] of Object.entries(s.byKind)) this.set({ kind }, counts.published);
    },
  });
  const http = new HttpServer({
    logger,
    registry,
    portSetting: 'HTTP_PORT',
    readiness: [
      {
        name: 'broker',
        check: () => {
          const s = runner.stats();
          return 'rowsSent' in s ? true : s.connected === s.devices;
        },
      },
    ],
  });
  const httpPort = await http.start(config.HTTP_PORT, config.HTTP_HOST);

  await runner.start();
  logger.info({ httpPort }, 'health and metrics served');
  logger.info({ mqttUrl: config.MQTT_URL, site: config.SITE, mode: config.REPLAY_CSV ? 'replay' : 'simulate' }, 'edge agent started');
  if (runner instanceof CsvReplay) {
    runner.finished().then(
      () => void shutdown('replay finished', 0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'replay failed');
        void shutdown('replay failed', 1);
      },
    );
  } else {
    const timer = setInterval(() => logger.info(summary(), 'summary'), 10_000);
    timer.unref();
  }
}

/** Agent mode: one device, its sources, store-and-forward, local scoring and model sync. */
async function runAgent(config: EdgeAgentConfig, device: string, connector: MqttConnector, logger: ReturnType<typeof createLogger>): Promise<void> {
  const seedDir = config.EDGE_SEED_MODELS_DIR;
  const modelPublicKeys = modelKeysFromConfig(config);
  const agent = new EdgeAgent({
    connector,
    ref: { site: config.SITE, device },
    mqttUrl: config.MQTT_URL,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    dataDir: config.EDGE_DATA_DIR,
    baselines: { enabled: config.BASELINES_ENABLED, policy: { maxFleetScore: 0.5, minIntervalMs: config.BASELINE_MIN_INTERVAL_MS } },
    sources: buildSources(config.EDGE_SOURCES, systemClock),
    queue: { maxBytes: config.QUEUE_MAX_BYTES, maxAgeMs: config.QUEUE_MAX_AGE_S * 1000, fsync: config.QUEUE_FSYNC, replayPerSecond: config.QUEUE_REPLAY_PER_S },
    frames: { mode: config.QUEUE_FRAMES, sampleEvery: config.QUEUE_FRAMES_SAMPLE_EVERY, context: config.QUEUE_FRAMES_CONTEXT },
    seedModels: { acoustic: `${seedDir}/${config.EDGE_ACOUSTIC_MODEL_FILE}`, thermal: `${seedDir}/thermal.onnx` },
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

/** The trusted model keys from EDGE_MODEL_PUBLIC_KEY and EDGE_MODEL_PUBLIC_KEY_FILE; a bad one stops start-up naming the variable. */
function modelKeysFromConfig(config: EdgeAgentConfig): TrustedKey[] {
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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/** The MQTT connector, trusting MQTT_CA_FILE when set; exits with a clear message when the file cannot be read. */
function brokerConnector(config: EdgeAgentConfig): MqttConnector {
  if (!config.MQTT_CA_FILE) return mqttConnector();
  try {
    return mqttConnector({ ca: readFileSync(config.MQTT_CA_FILE) });
  } catch (err) {
    console.error(`MQTT_CA_FILE: cannot read ${config.MQTT_CA_FILE}: ${(err as Error).message}`);
    process.exit(2);
  }
}
