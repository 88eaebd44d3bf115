import { z } from 'zod';
import type { Clock } from '@premonitor/time';
import { CommandSource } from './command-source.js';
import { CsvTelemetrySource, ThermalFolderSource, VibrationFolderSource, WavFolderSource } from './file-replay-sources.js';
import type { SensorSource } from './sensor-source.js';

/** A source's name: unique within `EDGE_SOURCES`. */
export const sourceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must match [a-z0-9_-]{1,64}');
/** A source's period, ms. */
export const sourceInterval = z.number().int().min(1).default(1_000);

/**
 * The real sensor sources of `EDGE_SOURCES` (files and commands). The simulator adds its
 * `simulated` source to the union where the program is wired (`../sources.ts`), so the agent
 * never imports simulator code.
 */
export const agentSourceConfigs = [
  z.strictObject({ type: z.literal('wav-folder'), name: sourceName, path: z.string().min(1), intervalMs: sourceInterval, loop: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('thermal-folder'), name: sourceName, path: z.string().min(1), intervalMs: sourceInterval, loop: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('csv'), name: sourceName, path: z.string().min(1), intervalMs: sourceInterval, loop: z.boolean().default(false) }),
  z.strictObject({
    type: z.literal('vibration-folder'),
    name: sourceName,
    path: z.string().min(1),
    intervalMs: sourceInterval,
    loop: z.boolean().default(true),
    channels: z.array(z.string().min(1).max(32)).min(1).max(16).default(['x', 'y', 'z']),
    sampleRateHz: z.number().positive().max(100_000).default(200),
  }),
  z.strictObject({
    type: z.literal('command'),
    name: sourceName,
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    kind: z.enum(['acoustic', 'thermal']),
    sampleRate: z.number().int().min(1_000).max(192_000).default(16_000),
    frameSeconds: z.number().positive().max(4).default(1),
    width: z.number().int().min(1).max(1024).default(32),
    height: z.number().int().min(1).max(1024).default(24),
  }),
] as const;
export type AgentSourceConfig = z.infer<(typeof agentSourceConfigs)[number]>;

/** Builds one real source from its validated config. */
export function buildAgentSource(c: AgentSourceConfig, clock: Clock): SensorSource {
  switch (c.type) {
    case 'wav-folder':
      return new WavFolderSource({ ...c, clock });
    case 'thermal-folder':
      return new ThermalFolderSource({ ...c, clock });
    case 'csv':
      return new CsvTelemetrySource({ ...c, clock });
    case 'vibration-folder':
      return new VibrationFolderSource({ ...c, clock });
    case 'command':
      return new CommandSource({ ...c, clock });
  }
}
