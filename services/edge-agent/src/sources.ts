import { z } from 'zod';
import type { Clock } from '@premonitor/time';
import type { SensorSource } from './agent/sensor-source.js';
import { agentSourceConfigs, buildAgentSource } from './agent/source-config.js';
import { simulatedSourceConfig } from './simulator/simulated-source-config.js';
import { SimulatedSource } from './simulator/simulated-source.js';

/** One sensor source in `EDGE_SOURCES` (JSON array): a real one, or a simulated one for trials. */
export const sourceConfig = z.discriminatedUnion('type', [simulatedSourceConfig, ...agentSourceConfigs]);
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
  return configs.map((c) => (c.type === 'simulated' ? new SimulatedSource({ ...c, clock }) : buildAgentSource(c, clock)));
}
