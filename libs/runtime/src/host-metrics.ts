import type { Registry } from 'prom-client';
import type { Bus } from '@premonitor/bus';
import type { DatabaseHandle } from '@premonitor/db';
import { sampledGauge } from '@premonitor/http';
import type { Logger } from '@premonitor/log';

/** The adapters a host shares with its modules, as the host metrics read them. */
export interface HostMetricsSources {
  readonly bus: Bus;
  readonly db: DatabaseHandle;
  readonly logger: Logger;
}

/**
 * What every host exposes besides its modules' metrics, read at scrape time: the backlog of each
 * durable consumer (pipeline health, "consumer lag growing"), whether the database answers and
 * how fast ("database unreachable", latency), and its pool use. Both hosts call it once on the
 * registry they serve, so distributed and embedded mode report the same families.
 */
export function registerHostMetrics(registry: Registry, { bus, db, logger }: HostMetricsSources): void {
  const onError = (err: unknown): void => logger.debug({ err }, 'a host metric could not be read');
  // One consumer-info round per scrape, shared by both gauges of the same scrape.
  let lag: ReturnType<Bus['consumerLag']> | undefined;
  const currentLag = (): ReturnType<Bus['consumerLag']> => {
    lag ??= bus.consumerLag().finally(() => setTimeout(() => (lag = undefined), 1_000).unref());
    return lag;
  };
  sampledGauge({
    registry,
    name: 'pm_bus_consumer_pending',
    help: 'Messages of the stream not yet delivered to the durable consumer (JetStream num_pending)',
    labelNames: ['stream', 'durable'],
    read: async () => (await currentLag()).map((c) => ({ labels: { stream: c.stream, durable: c.durable }, value: c.pending })),
    onError,
  });
  sampledGauge({
    registry,
    name: 'pm_bus_consumer_ack_pending',
    help: 'Messages delivered to the durable consumer and not acknowledged yet (JetStream num_ack_pending)',
    labelNames: ['stream', 'durable'],
    read: async () => (await currentLag()).map((c) => ({ labels: { stream: c.stream, durable: c.durable }, value: c.ackPending })),
    onError,
  });
  sampledGauge({
    registry,
    name: 'pm_db_up',
    help: '1 when the database answered a trivial query at scrape time, else 0',
    read: async () => [{ labels: {}, value: (await db.ping()) ? 1 : 0 }],
    onError,
  });
  sampledGauge({
    registry,
    name: 'pm_db_ping_seconds',
    help: 'Round trip of a trivial query at scrape time (database latency as this service sees it)',
    read: async () => {
      const started = process.hrtime.bigint();
      const ok = await db.ping();
      return ok ? [{ labels: {}, value: Number(process.hrtime.bigint() - started) / 1e9 }] : [];
    },
    onError,
  });
  sampledGauge({
    registry,
    name: 'pm_db_pool_connections',
    help: 'Database pool: connections open (total), idle, queries waiting for one, and the pool size (max)',
    labelNames: ['state'],
    read: () => {
      const stats = db.poolStats();
      return (['total', 'idle', 'waiting', 'max'] as const).map((state) => ({ labels: { state }, value: stats[state] }));
    },
    onError,
  });
}
