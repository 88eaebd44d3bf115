// Embedded mode: `npm start` runs the whole platform in this one process.
import { loadConfig, ConfigError } from '@premonitor/config';
import { createLogger, maskUrlsInText } from '@premonitor/log';
import { exitOnSignals } from '@premonitor/runtime/lifecycle';
import { EmbeddedPlatform } from './embedded-platform.js';
import { summaryLine } from './summary-line.js';
import { platformConfigShape } from './platform-config.js';

async function main(): Promise<void> {
  const config = loadConfig(platformConfigShape, process.env);
  const logger = createLogger({ service: 'platform', level: config.LOG_LEVEL, destination: process.stderr });
  const platform = new EmbeddedPlatform(config, logger);
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  let stopping = false;
  // Registered before start-up, which can take a while (first PGlite start creates the database).
  exitOnSignals({
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stop: async (budgetMs) => {
      stopping = true;
      if (timer) clearInterval(timer);
      // Stopping half-way through start-up would race it; let it finish (within the budget), then stop everything.
      const began = performance.now();
      await Promise.race([starting.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, budgetMs).unref())]);
      await platform.stop(Math.max(1, budgetMs - (performance.now() - began)));
    },
    stopping: () => platform.stopping ?? 'start-up',
    cleanLine: 'stopped cleanly; data kept for the next start.',
    report: (line, failed) => (failed ? console.error(line) : console.log(line)),
  });

  console.log(`Premonitor (embedded mode) starting… (data in ${config.PM_DATA_DIR})`);
  const started = platform.start();
  starting = started;
  const endpoints = await started;
  if (stopping) return;
  console.log(`HTTP API   ${endpoints.httpUrl}   (described at ${endpoints.httpUrl}/docs and /openapi.json)`);
  console.log(`MQTT       ${endpoints.mqttUrl}   (port ${endpoints.mqttPort})`);
  if (endpoints.mqttTlsUrl) console.log(`MQTT TLS   ${endpoints.mqttTlsUrl}`);
  console.log(`Data       ${endpoints.dataDir}`);
  console.log(`Model key  EDGE_MODEL_PUBLIC_KEY=${endpoints.modelPublicKey}   (edge agents accept models signed by this platform)`);
  if (endpoints.firstAdmin) {
    // The only time these are shown: only their hashes are stored, and no log line carries them.
    const { name, password, token } = endpoints.firstAdmin;
    console.log(`First start: created user '${name}' (admin). Shown once, keep them now:`);
    console.log(`  password   ${password}   (log in: POST ${endpoints.httpUrl}/api/v1/auth/login {"name":"${name}","password":…})`);
    console.log(`  API token  ${token}   (curl -H 'Authorization: Bearer <token>' ${endpoints.httpUrl}/api/v1/devices)`);
  } else {
    console.log(`Log in     POST ${endpoints.httpUrl}/api/v1/auth/login, or send 'Authorization: Bearer <token>' (premonitor-auth --help creates users and tokens)`);
  }
  console.log(`Simulated  ${config.SIM_DEVICES} device(s) on site '${config.SIM_SITE}'. Ctrl-C stops (and drains).`);

  timer =
    config.SUMMARY_INTERVAL_MS > 0
      ? setInterval(() => {
          platform
            .summary()
            .then((s) => console.log(summaryLine(new Date(), s)))
            .catch((err: unknown) => logger.warn({ err }, 'summary failed'));
        }, config.SUMMARY_INTERVAL_MS)
      : undefined;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(maskUrlsInText(`Premonitor failed to start: ${err instanceof Error ? err.message : String(err)}`));
  process.exit(1);
});
