import type { FusionConfig } from './fusion-config.js';
import type { FusionSettings } from './fusion.js';

/** Maps the environment-level config onto fusion's settings. */
export function settingsFromConfig(config: FusionConfig): FusionSettings {
  return {
    rulesFile: config.FUSION_RULES_FILE,
    rulesReloadMs: config.FUSION_RULES_RELOAD_MS,
    tickMs: config.FUSION_TICK_MS,
    concurrency: config.FUSION_CONCURRENCY,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    dedupRetentionMs: config.FUSION_DEDUP_RETENTION_HOURS * 3_600_000,
    consumers: {
      durablePrefix: config.FUSION_DURABLE_PREFIX,
      site: config.FUSION_SITE,
      deliverPolicy: config.FUSION_DELIVER_POLICY,
      ackWaitMs: config.FUSION_ACK_WAIT_MS,
    },
  };
}
