import type { FaultCase } from '../case.js';
import { runHostile } from '../support/hostile-scenarios.js';
import { embeddedTarget, mosquittoTarget } from '../support/hostile-target.js';

/** Hostile clients against Mosquitto with the repository's config and ACL, ingest behind it. */
export const hostileMosquitto: FaultCase = {
  name: 'hostile-mosquitto',
  summary: 'client-id takeover (core, device), cross-device publish/subscribe, oversized and retained abuse, brute force on Mosquitto: refused, counted, legitimate traffic intact',
  budgetSeconds: 120,
  run: (ctx) => runHostile(ctx, 'faults-hostile-m', (devices) => mosquittoTarget(ctx, 'faults-hostile-m', devices)),
};

/** The same against the embedded platform (`npm start`: Aedes, PGlite, everything in one process). */
export const hostileEmbedded: FaultCase = {
  name: 'hostile-embedded',
  summary: 'the same against the embedded platform (Aedes): refused (brute force throttled), counted, legitimate traffic intact',
  budgetSeconds: 150,
  run: (ctx) => runHostile(ctx, 'faults-hostile-e', (devices) => embeddedTarget(ctx, devices)),
};
