import { CliUsageError } from './training-errors.js';

/** A parsed `npm run train -- …` command line. */
export interface TrainCommand {
  /** `thermal-ir`: the module-image model trained on the real thermal-ir images; `telemetry` (SKAB, NAB) and `vibration` (vibration-fan): window models on real recordings. */
  readonly kind: 'acoustic' | 'thermal' | 'thermal-ir' | 'telemetry' | 'vibration';
  /** Smaller data and fewer epochs: a smoke run of the same pipeline. */
  readonly quick: boolean;
  /** Folder the artifacts, report and picture are written to. */
  readonly outDir: string;
  /** Register the float32 model in the model registry. */
  readonly register: boolean;
  /** PGlite folder to register into when no DATABASE_URL is set. */
  readonly pgliteDir?: string;
  /** Thermal sensor size (default 32×24; 80×60 trains a Lepton model, `thermal-80x60.onnx`). */
  readonly size: { readonly width: number; readonly height: number };
  /** Acoustic model family (default `gaussian`; `autoencoder` = DCASE 2020 baseline). */
  readonly architecture: 'gaussian' | 'autoencoder';
  /** Acoustic: target of the per-device thresholds (default: the plan's, 1 a day at 8,640 frames). */
  readonly threshold?: { readonly falseAlarmsPerDay: number; readonly framesPerDay: number };
  /** thermal-ir: folder of the data set (default `$PM_SHARED_DATA_DIR/thermal-ir`). */
  readonly dataDir?: string;
  /** thermal-ir: split seeds; the first one's model is written, all of them give the spread (default [1]). */
  readonly seeds: readonly number[];
}

export const USAGE = 'usage: npm run train -- acoustic|thermal|thermal-ir|telemetry|vibration [--quick] [--out <dir>] [--arch gaussian|autoencoder] [--size 32x24|80x60] [--false-alarms-per-day N --frames-per-day N] [--data <dir>] [--seeds 1,2,3] [--register [--pglite <dir>]]  (acoustic also calibrates on $PM_SHARED_DATA_DIR/acoustic-mimii when present; thermal-ir reads --data or $PM_SHARED_DATA_DIR/thermal-ir, telemetry $PM_SHARED_DATA_DIR/skab and nab, vibration --data or $PM_SHARED_DATA_DIR/vibration-fan; registration uses DATABASE_URL when set, else the PGlite folder; artifacts go to MODEL_STORE_DIR, default {PM_DATA_DIR}/models — where `npm start` looks — or beside the --pglite folder)';

/** Parses `argv` (without node and script); throws {@link CliUsageError} with the usage line. */
export function parseTrainCommand(argv: readonly string[]): TrainCommand {
  const [kind, ...rest] = argv;
  if (kind !== 'acoustic' && kind !== 'thermal' && kind !== 'thermal-ir' && kind !== 'telemetry' && kind !== 'vibration') throw new CliUsageError(`unknown model '${kind ?? ''}'\n${USAGE}`);
  let quick = false;
  let register = false;
  let outDir = 'models';
  let pgliteDir: string | undefined;
  let architecture: TrainCommand['architecture'] = 'gaussian';
  let size = { width: 32, height: 24 };
  let falseAlarmsPerDay: number | undefined;
  let framesPerDay: number | undefined;
  let dataDir: string | undefined;
  let seeds: number[] = [1];
  const positive = (arg: string, v: string): number => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n > 0)) throw new CliUsageError(`${arg} must be a positive number, got '${v}'\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new CliUsageError(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--register') register = true;
    else if (arg === '--out') outDir = value();
    else if (arg === '--pglite') pgliteDir = value();
    else if (arg === '--false-alarms-per-day') falseAlarmsPerDay = positive(arg, value());
    else if (arg === '--frames-per-day') framesPerDay = positive(arg, value());
    else if (arg === '--data') dataDir = value();
    else if (arg === '--seeds') {
      const v = value();
      seeds = v.split(',').map(Number);
      if (seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0) || new Set(seeds).size !== seeds.length) {
        throw new CliUsageError(`--seeds must be distinct non-negative integers separated by commas, e.g. 1,2,3; got '${v}'\n${USAGE}`);
      }
    }
    else if (arg === '--size') {
      const v = value();
      const match = /^(\d+)x(\d+)$/.exec(v);
      if (!match || Number(match[1]) % 4 !== 0 || Number(match[2]) % 4 !== 0 || Number(match[1]) < 8 || Number(match[2]) < 8) {
        throw new CliUsageError(`--size must be WIDTHxHEIGHT with both multiples of 4 and at least 8, e.g. 80x60; got '${v}'\n${USAGE}`);
      }
      size = { width: Number(match[1]), height: Number(match[2]) };
    } else if (arg === '--arch') {
      const v = value();
      if (v !== 'gaussian' && v !== 'autoencoder') throw new CliUsageError(`--arch must be gaussian or autoencoder, got '${v}'\n${USAGE}`);
      architecture = v;
    }
    else throw new CliUsageError(`unknown option '${arg}'\n${USAGE}`);
  }
  if ((falseAlarmsPerDay === undefined) !== (framesPerDay === undefined)) throw new CliUsageError(`--false-alarms-per-day and --frames-per-day go together\n${USAGE}`);
  const threshold = falseAlarmsPerDay !== undefined && framesPerDay !== undefined ? { falseAlarmsPerDay, framesPerDay } : undefined;
  if (threshold && threshold.falseAlarmsPerDay >= threshold.framesPerDay) throw new CliUsageError(`--false-alarms-per-day must be below --frames-per-day\n${USAGE}`);
  return { kind, quick, outDir, register, pgliteDir, architecture, size, dataDir, seeds, ...(threshold ? { threshold } : {}) };
}
