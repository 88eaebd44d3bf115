import { z } from 'zod';
import { sourceInterval, sourceName } from '../agent/source-config.js';
import { MACHINE_KINDS } from './machine-model.js';

/** The `simulated` entry of `EDGE_SOURCES`: the simulator's machine model as a sensor source. */
export const simulatedSourceConfig = z.strictObject({
  type: z.literal('simulated'),
  name: sourceName,
  signal: z.enum(['telemetry', 'acoustic', 'thermal']),
  machine: z.enum(MACHINE_KINDS).default('motor'),
  intervalMs: sourceInterval,
  seed: z.number().int().nonnegative().default(1),
});
