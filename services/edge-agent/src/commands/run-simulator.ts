import { HttpServer, createRegistry } from '@premonitor/http';
import { createLogger, type Logger } from '@premonitor/log';
import { Gauge } from 'prom-client';
import { systemClock } from '@premonitor/time';
import { commonConfigShape, replayConfigShape, simulateConfigShape } from '../config.js';
import { CsvReplay } from '../simulator/csv-replay.js';
import { Simulator } from '../simulator/simulator.js';
import { brokerConnector, configOrExit, type Env } from './startup.js';

/** `simulate`, or `replay` of `csv` (REPLAY_CSV when undefined). */
export type SimulatorMode = { readonly mode: 'simulate' } | { readonly mode: 'replay'; readonly csv: string | undefined };

/** Runs simulated devices until SIGINT/SIGTERM, or replays one CSV file and exits when it is sent. */
export async function runSimulator(mode: SimulatorMode, env: Env): Promise<void> {
  const { runner, config, logger } = mode.mode === 'replay' ? replayRunner(mode.csv, env) : simulateRunner(env);
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
  logger.info({ mqttUrl: config.MQTT_URL, site: config.SITE, mode: mode.mode }, 'edge agent started');
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

type Runner = { readonly runner: CsvReplay | Simulator; readonly config: { readonly MQTT_URL: string; readonly SITE: string; readonly HTTP_PORT: number; readonly HTTP_HOST: string }; readonly logger: Logger };

function commonOptions(config: ReturnType<typeof configOrExit<typeof commonConfigShape>>, logger: Logger) {
  return {
    connector: brokerConnector(config.MQTT_CA_FILE),
    mqttUrl: config.MQTT_URL,
    site: config.SITE,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    clock: systemClock,
    logger,
  };
}

function replayRunner(csv: string | undefined, env: Env): Runner {
  const config = configOrExit(replayConfigShape, env);
  const path = csv ?? config.REPLAY_CSV;
  if (!path) {
    console.error('replay needs a CSV file: `replay <csv>` or REPLAY_CSV (try --help)');
    process.exit(2);
  }
  const logger = createLogger({ service: 'edge-agent', level: config.LOG_LEVEL });
  return { runner: new CsvReplay({ ...commonOptions(config, logger), path, device: config.REPLAY_DEVICE, speedup: config.REPLAY_SPEEDUP }), config, logger };
}

function simulateRunner(env: Env): Runner {
  const config = configOrExit(simulateConfigShape, env);
  const logger = createLogger({ service: 'edge-agent', level: config.LOG_LEVEL });
  const runner = new Simulator({
    ...commonOptions(config, logger),
    deviceCount: config.DEVICE_COUNT,
    telemetryIntervalMs: config.TELEMETRY_INTERVAL_MS,
    acousticIntervalMs: config.ACOUSTIC_INTERVAL_MS,
    thermalIntervalMs: config.THERMAL_INTERVAL_MS,
    seed: config.SEED,
  });
  return { runner, config, logger };
}
