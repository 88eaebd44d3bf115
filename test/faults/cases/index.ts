import type { FaultCase } from '../case.js';
import { fuzz, fuzzEmbedded } from './fuzz.js';
import { hostileEmbedded, hostileMosquitto } from './hostile.js';
import { killFusion, killIngest, killInference, killNotifier } from './kills.js';
import { mosquittoRestart, natsRestart, postgresOutage, webhookOutage } from './outages.js';

/** Every case, in the order of the results table (the runner starts the longest first). */
export const CASES: readonly FaultCase[] = [
  fuzz,
  fuzzEmbedded,
  postgresOutage,
  natsRestart,
  mosquittoRestart,
  webhookOutage,
  killIngest,
  killInference,
  killFusion,
  killNotifier,
  hostileMosquitto,
  hostileEmbedded,
];
