/**
 * `npm run train -- acoustic|thermal|thermal-ir|telemetry|vibration [--quick] [--out dir] [--arch …] [--size WxH] [--false-alarms-per-day N --frames-per-day N] [--data dir] [--seeds 1,2,3] [--register [--pglite dir]]`:
 * trains, evaluates, exports, writes artifacts, report and picture, optionally registers,
 * and prints one JSON summary as the last line. Wiring only; the pipelines do the work.
 */
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { createLogger } from '@premonitor/log';
import { trainAcoustic } from './acoustic/train-acoustic.js';
import { trainThermal } from './thermal/train-thermal.js';
import { trainThermalIrCommand } from './real-data/thermal-ir-command.js';
import { trainTelemetry } from './telemetry/train-telemetry.js';
import { trainVibration } from './vibration/train-vibration.js';
import { writeArtifacts } from './artifact-writer.js';
import { parseTrainCommand } from './cli-args.js';
import { registerTrainedModel } from './model-registration.js';
import { CliUsageError } from './training-errors.js';

const env = z
  .object({
    DATABASE_URL: z.string().url().optional(),
    /** The registry's artifact folder; default: the embedded platform's (`{PM_DATA_DIR}/models`, beside the PGlite folder registered into). */
    MODEL_STORE_DIR: z.string().min(1).optional(),
    PM_DATA_DIR: z.string().min(1).default('.data'),
    /** Real data: `acoustic-mimii/` (fleet calibration, real-data evaluation), `thermal-ir/` (the thermal-ir model's images, unless --data), `skab/` and `nab/` (telemetry), `vibration-fan/` (vibration, unless --data). */
    PM_SHARED_DATA_DIR: z.string().min(1).default('../shared/data'),
  })
  .parse(process.env);

async function main(): Promise<void> {
  const command = parseTrainCommand(process.argv.slice(2));
  const log = (line: string): void => console.log(line);
  const started = performance.now();
  const options = { quick: command.quick, now: new Date(), log };
  const model =
    command.kind === 'acoustic'
      ? await trainAcoustic({ ...options, architecture: command.architecture, sharedDataDir: resolve(env.PM_SHARED_DATA_DIR), threshold: command.threshold })
      : command.kind === 'thermal'
        ? await trainThermal({ ...options, ...command.size })
        : command.kind === 'telemetry'
          ? await trainTelemetry({ ...options, skabDir: resolve(env.PM_SHARED_DATA_DIR, 'skab'), nabDir: resolve(env.PM_SHARED_DATA_DIR, 'nab') })
          : command.kind === 'vibration'
            ? await trainVibration({ ...options, dataDir: resolve(command.dataDir ?? join(env.PM_SHARED_DATA_DIR, 'vibration-fan')) })
            : await trainThermalIrCommand({ ...options, dataDir: resolve(command.dataDir ?? join(env.PM_SHARED_DATA_DIR, 'thermal-ir')), seeds: command.seeds });
  for (const line of model.text) log(line);
  const written = await writeArtifacts(model, resolve(command.outDir));
  log(`wrote ${[written.model, ...written.variants, written.report, written.chart, ...written.pictures].join(', ')}`);
  if (command.register) {
    const logger = createLogger({ service: 'training', destination: process.stderr });
    const database = env.DATABASE_URL
      ? { kind: 'postgres' as const, url: env.DATABASE_URL, logger }
      : { kind: 'pglite' as const, dataDir: resolve(command.pgliteDir ?? `${env.PM_DATA_DIR}/pg`), logger };
    // Embedded mode keeps the PGlite folder `pg` and the artifacts `models` side by side in its data folder.
    const artifactDir = resolve(env.MODEL_STORE_DIR ?? (command.pgliteDir ? join(dirname(resolve(command.pgliteDir)), 'models') : `${env.PM_DATA_DIR}/models`));
    const result = await registerTrainedModel(model, { database, artifactDir, logger });
    log(`registered ${model.kind} ${result.version} as ${result.stage} (sha256 ${result.sha256.slice(0, 12)}…)`);
  }
  log(`training time ${String(model.summary['train_s'])} s (whole command ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  console.log(JSON.stringify(model.summary));
}

main().catch((err: unknown) => {
  console.error(err instanceof CliUsageError ? err.message : err);
  process.exitCode = err instanceof CliUsageError ? 2 : 1;
});
