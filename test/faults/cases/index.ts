import type { FaultCase } from '../case.js';
import { fuzz, fuzzEmbedded } from './fuzz.js';
import { hostileEmbedded, hostileMosquitto } from './hostile.js';
import { killFusion, killIngest, killInference, killNotifier } from './kills.js';
import { mosquittoRestart, natsRestart, postgresOutage, webhookOutage } from './outages.js';

/** Every case, in the order a full run starts them (the longest first, so the pool ends evenly). */
export const CASES: readonly FaultCase[] = [webhookOutage, fuzz, postgresOutage, natsRestart, mosquittoRestart, killIngest, killInference, killFusion, killNotifier, hostileMosquitto, hostileEmbedded, fuzzEmbedded];
