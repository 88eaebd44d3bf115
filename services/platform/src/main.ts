// Embedded mode: `npm start` runs the whole platform in this one process.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform } from './embedded-platform.js';
import { platformConfigShape } from './platform-config.js';

async function main(): Promise<void> {
  const config = loadConfig(platformConfigShape, process.env);
  const logger = createLogger({ service: 'platform', level: config.LOG_LEVEL, destination: process.stderr });
  const platform = new EmbeddedPlatform(config, logger);
  console.log('Premonitor (embedded mode) starting…');
  const endpoints = await platform.start();
  console.log(`HTTP API   ${endpoints.httpUrl}   (try ${endpoints.httpUrl}/api/v1/devices)`);
  console.log(`MQTT       ${endpoints.mqttUrl}   (port ${endpoints.mqttPort})`);
  console.log(`Data       ${endpoints.dataDir}`);
  console.log(`Simulated  ${config.SIM_DEVICES} device(s) on site '${config.SIM_SITE}'. Ctrl-C stops (and drains).`);

  const timer =
    config.SUMMARY_INTERVAL_MS > 0
      ? setInterval(() => {
          platform
            .summary()
            .then((s) => console.log(`${new Date().toISOString()}  devices online ${s.devicesOnline}/${s.devicesKnown}  readings stored ${s.readingsStored}  rejected ${s.rejected}`))
            .catch((err: unknown) => logger.warn({ err }, 'summary failed'));
        }, config.SUMMARY_INTERVAL_MS)
      : undefined;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      console.log('second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
    if (timer) clearInterval(timer);
    console.log(`${signal}: draining…`);
    await platform.stop();
    console.log('stopped cleanly; data kept for the next start.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`Premonitor failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
