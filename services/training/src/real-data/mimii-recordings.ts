import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readWav } from '@premonitor/ml/data';

/** One MIMII machine: a normal and an abnormal recording, each as its separate channels. */
export interface MimiiMachine {
  /** File stem, e.g. `fan`, `fan-b`, `valve`. */
  readonly name: string;
  readonly sampleRate: number;
  /** One array per microphone of the array, full scale ±1. */
  readonly normal: readonly Float32Array[];
  readonly abnormal: readonly Float32Array[];
}

/** The folder of `{machine}_{normal,abnormal}.wav` files under a shared-data folder. */
export function mimiiFolder(sharedDataDir: string): string {
  return join(sharedDataDir, 'acoustic-mimii');
}

/**
 * Reads every `<machine>_normal.wav` that has an `<machine>_abnormal.wav` beside it, keeping the
 * channels apart (the microphones hear the same moment: an evaluation scores one at a time).
 * Machines come sorted by name; at most `channels` channels are kept (all when undefined).
 */
export async function loadMimiiMachines(folder: string, channels?: number): Promise<MimiiMachine[]> {
  const files = new Set(await readdir(folder));
  const names = [...files].filter((f) => f.endsWith('_normal.wav')).map((f) => f.slice(0, -'_normal.wav'.length)).filter((n) => files.has(`${n}_abnormal.wav`)).sort();
  const machines: MimiiMachine[] = [];
  for (const name of names) {
    const [normal, abnormal] = await Promise.all([readChannels(join(folder, `${name}_normal.wav`), channels), readChannels(join(folder, `${name}_abnormal.wav`), channels)]);
    if (normal.sampleRate !== abnormal.sampleRate) throw new Error(`${name}: normal and abnormal recordings differ in sample rate`);
    machines.push({ name, sampleRate: normal.sampleRate, normal: normal.channels, abnormal: abnormal.channels });
  }
  return machines;
}

async function readChannels(path: string, limit?: number): Promise<{ sampleRate: number; channels: Float32Array[] }> {
  const bytes = await readFile(path);
  const first = readWav(bytes, { channel: 0 });
  const count = Math.min(first.channels, limit ?? first.channels);
  const channels = [first.samples];
  for (let c = 1; c < count; c++) channels.push(readWav(bytes, { channel: c }).samples);
  return { sampleRate: first.sampleRate, channels };
}
