import { z } from 'zod';
import type { Clock } from '@premonitor/time';
import { CommandSource } from './command-source.js';
import { CsvTelemetrySource, ThermalFolderSource, WavFolderSource } from './file-replay-sources.js';
import { MACHINE_KINDS } from './machine-model.js';
import type { SensorSource } from './sensor-source.js';
import { SimulatedSource } from './simulated-source.js';

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match [a-z0-9_-]{1,64}');
const interval = z.number().int().min(1).default(1_000);

/** One sensor source in `EDGE_SOURCES` (JSON array). */
export const sourceConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('simulated'), name, signal: z.enum(['telemetry', 'acoustic', 'thermal']), machine: z.enum(MACHINE_KINDS).default('motor'), intervalMs: interval, seed: z.number().int().nonnegative().default(1) }),
  z.strictObject({ type: z.literal('wav-folder'), name, path: z.string().min(1), intervalMs: interval, loop: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('thermal-folder'), name, path: z.string().min(1), intervalMs: interval, loop: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('csv'), name, path: z.string().min(1), intervalMs: interval, loop: z.boolean().default(false) }),
  z.strictObject({
    type: z.literal('command'),
    name,
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    kind: z.enum(['acoustic', 'thermal']),
    sampleRate: z.number().int().min(1_000).max(192_000).default(16_000),
    frameSeconds: z.number().positive().max(4).default(1),
    width: z.number().int().min(1).max(1024).default(32),
    height: z.number().int().min(1).max(1024).default(24),
  }),
]);
export type SourceConfig = z.infer<typeof sourceConfig>;

/** `EDGE_SOURCES`: a JSON array of sources, names unique. */
export const sourcesConfig = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(z.array(sourceConfig).refine((a) => new Set(a.map((s) => s.name)).size === a.length, 'source names must be unique'));

/** Builds the sources from their validated config. */
export function buildSources(configs: readonly SourceConfig[], clock: Clock): SensorSource[] {
  return configs.map((c) => {
    switch (c.type) {
      case 'simulated':
        return new SimulatedSource({ ...c, clock });
      case 'wav-folder':
        return new WavFolderSource({ ...c, clock });
      case 'thermal-folder':
        return new ThermalFolderSource({ ...c, clock });
      case 'csv':
        return new CsvTelemetrySource({ ...c, clock });
      case 'command':
        return new CommandSource({ ...c, clock });
    }
  });
}
