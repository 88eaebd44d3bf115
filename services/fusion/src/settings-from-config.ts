import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FusionConfig } from './fusion-config.js';
import type { FusionSettings } from './fusion.js';

/** This replica's name: the configured one, or a random one per start. */
export function replicaName(config: FusionConfig): string {
  return config.FUSION_REPLICA_NAME ?? randomBytes(4).toString('hex');
}

/** Maps the environment-level config onto fusion's settings. */
export function settingsFromConfig(config: FusionConfig, replica = replicaName(config)): FusionSettings {
  return {
    rulesFile: config.FUSION_RULES_FILE,
    rulesReloadMs: config.FUSION_RULES_RELOAD_MS,
    tickMs: config.FUSION_TICK_MS,
    concurrency: config.FUSION_CONCURRENCY,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    dedupRetentionMs: config.FUSION_DEDUP_RETENTION_HOURS * 3_600_000,
    partitions:
      config.FUSION_PARTITIONS > 0
        ? {
            count: config.FUSION_PARTITIONS,
            leaseMs: config.FUSION_PARTITION_LEASE_MS,
            // Unique per process start, even with a fixed replica name (a restarted pod keeps its name).
            replica: `${replica}/${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`,
          }
        : undefined,
    consumers: {
      durablePrefix: config.FUSION_DURABLE_PREFIX,
      site: config.FUSION_SITE,
      deliverPolicy: config.FUSION_DELIVER_POLICY,
      ackWaitMs: config.FUSION_ACK_WAIT_MS,
    },
  };
}
