// Embedded mode: `npm start` runs the whole platform in this one process.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform } from './embedded-platform.js';
import { platformConfigShape } from './platform-config.js';

async function main(): Promise<void> {
  const config = loadConfig(platformConfigShape, process.env);
  const logger = createLogger({ service: 'platform', level: config.LOG_LEVEL, destination: process.stderr });
  const platform = new EmbeddedPlatform(config, logger);
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  const shutdown = async (signal: string) => {
    if (stopping) {
      console.log('second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    if (timer) clearInterval(timer);
    console.log(`${signal}: draining…`);
    // Stopping half-way through start-up would race it; let it finish, then stop everything.
    await starting.catch(() => undefined);
    await platform.stop();
    console.log('stopped cleanly; data kept for the next start.');
    process.exit(0);
  };
  // Registered before start-up, which can take a while (first PGlite start creates the database).
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  console.log(`Premonitor (embedded mode) starting… (data in ${config.PM_DATA_DIR})`);
  const started = platform.start();
  starting = started;
  const endpoints = await started;
  if (stopping) return;
  console.log(`HTTP API   ${endpoints.httpUrl}   (try ${endpoints.httpUrl}/api/v1/devices)`);
  console.log(`MQTT       ${endpoints.mqttUrl}   (port ${endpoints.mqttPort})`);
  if (endpoints.mqttTlsUrl) console.log(`MQTT TLS   ${endpoints.mqttTlsUrl}`);
  console.log(`Data       ${endpoints.dataDir}`);
  console.log(`Model key  EDGE_MODEL_PUBLIC_KEY=${endpoints.modelPublicKey}   (edge agents accept models signed by this platform)`);
  console.log(`Simulated  ${config.SIM_DEVICES} device(s) on site '${config.SIM_SITE}'. Ctrl-C stops (and drains).`);

  timer =
    config.SUMMARY_INTERVAL_MS > 0
      ? setInterval(() => {
          platform
            .summary()
            .then((s) => console.log(`${new Date().toISOString()}  devices online ${s.devicesOnline}/${s.devicesKnown}  readings stored ${s.readingsStored}  rejected ${s.rejected}`))
            .catch((err: unknown) => logger.warn({ err }, 'summary failed'));
        }, config.SUMMARY_INTERVAL_MS)
      : undefined;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`Premonitor failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
