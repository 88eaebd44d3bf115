#!/usr/bin/env node
import { envEnum, envInt, envUrl, loadConfig, ConfigError } from '@premonitor/config';
import { isValidId } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { systemClock } from './clock.js';
import { CsvReplay } from './csv-replay.js';
import { Simulator } from './simulator.js';

const id = (fallback: string) => z.string().refine(isValidId, 'must match [a-z0-9-]{1,64}').default(fallback);

const configShape = {
  MQTT_URL: envUrl(['mqtt', 'mqtts', 'ws', 'wss'], 'mqtt://127.0.0.1:1883'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
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
  const common = {
    mqttUrl: config.MQTT_URL,
    site: config.SITE,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    clock: systemClock,
    logger,
  };

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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
