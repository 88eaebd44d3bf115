import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSetError } from '../training-errors.js';

/** The fan conditions, in class order: speed × unbalance weight, and the fan moved by hand. */
export const VIBRATION_CLASSES = ['off', 'low', 'med', 'high', 'low+weight', 'med+weight', 'high+weight', 'low-moving'] as const;
export type VibrationClass = (typeof VIBRATION_CLASSES)[number];

const FOLDERS: Readonly<Record<VibrationClass, string>> = {
  off: 'fan_0_off_0_weight',
  low: 'fan_0_low_0_weight',
  med: 'fan_0_med_0_weight',
  high: 'fan_0_high_0_weight',
  'low+weight': 'fan_0_low_1_weight',
  'med+weight': 'fan_0_med_1_weight',
  'high+weight': 'fan_0_high_1_weight',
  'low-moving': 'fan_0_low_0_weight-moving',
};

/** Samples per window and axes of the fan recordings. */
export const FAN_SAMPLES = 200;
export const FAN_CHANNELS = 3;

/** One labelled window of the fan data set. */
export interface VibrationWindow {
  readonly label: number;
  /** File number inside its folder: the recording order. */
  readonly order: number;
  /** Row-major `[200, 3]` acceleration in g. */
  readonly samples: Float32Array;
}

/** Parses one window file (`x, y, z` per line, no header); refuses any other shape. */
export function parseFanWindow(name: string, text: string): Float32Array {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length !== FAN_SAMPLES) throw new DataSetError(`${name}: ${lines.length} lines, expected ${FAN_SAMPLES}`);
  const out = new Float32Array(FAN_SAMPLES * FAN_CHANNELS);
  lines.forEach((line, i) => {
    const cells = line.split(',').map(Number);
    if (cells.length !== FAN_CHANNELS || !cells.every(Number.isFinite)) throw new DataSetError(`${name} line ${i + 1}: expected ${FAN_CHANNELS} numbers, got '${line}'`);
    out.set(cells, i * FAN_CHANNELS);
  });
  return out;
}

/** Loads every window of the eight condition folders under `dir`. */
export async function loadVibrationFan(dir: string): Promise<VibrationWindow[]> {
  const out: VibrationWindow[] = [];
  for (const [label, cls] of VIBRATION_CLASSES.entries()) {
    const folder = join(dir, FOLDERS[cls]);
    let files: string[];
    try {
      files = (await readdir(folder)).filter((f) => f.endsWith('.csv'));
    } catch (cause) {
      throw new DataSetError(`no vibration-fan folder ${folder}; pass --data or set PM_SHARED_DATA_DIR to the folder holding vibration-fan/`, { cause });
    }
    const windows = await Promise.all(files.map(async (f) => ({ label, order: parseInt(f, 10), samples: parseFanWindow(join(FOLDERS[cls], f), await readFile(join(folder, f), 'utf8')) })));
    out.push(...windows.sort((a, b) => a.order - b.order));
  }
  return out;
}

/**
 * Splits by recording order, never at random: in each class the first `trainShare` of the
 * windows (by file number) train, the rest test. Neighbouring windows are near copies, so a
 * random split would score memory, not generalisation.
 */
export function splitByRecordingOrder(windows: readonly VibrationWindow[], trainShare: number): { train: VibrationWindow[]; test: VibrationWindow[] } {
  const train: VibrationWindow[] = [];
  const test: VibrationWindow[] = [];
  for (let label = 0; label < VIBRATION_CLASSES.length; label++) {
    const ofClass = windows.filter((w) => w.label === label).sort((a, b) => a.order - b.order);
    const cut = Math.round(ofClass.length * trainShare);
    train.push(...ofClass.slice(0, cut));
    test.push(...ofClass.slice(cut));
  }
  return { train, test };
}
