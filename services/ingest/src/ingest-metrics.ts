import { Counter, Histogram, Gauge, type Registry } from 'prom-client';

/** The counters and histograms ingest exposes at `/metrics`. */
export interface IngestMetrics {
  readonly messagesIn: Counter<'channel'>;
  readonly messagesOut: Counter<'channel'>;
  readonly rejected: Counter<'reason'>;
  readonly poison: Counter<'channel'>;
  readonly readingsStored: Counter;
  readonly duplicates: Counter;
  readonly batchSize: Histogram<'batch'>;
  readonly handleLatency: Histogram<'channel'>;
  readonly pendingAcks: Gauge;
}

/** `pendingAcks` reads its value from the gateway at scrape time. */
export function createIngestMetrics(registry: Registry, pendingAcks: () => number): IngestMetrics {
  return {
    messagesIn: new Counter({ name: 'pm_ingest_messages_in_total', help: 'MQTT messages received, by channel', labelNames: ['channel'], registers: [registry] }),
    messagesOut: new Counter({ name: 'pm_ingest_messages_out_total', help: 'Messages forwarded to the bus, by channel', labelNames: ['channel'], registers: [registry] }),
    rejected: new Counter({ name: 'pm_ingest_rejected_total', help: 'Messages dead-lettered, by reason', labelNames: ['reason'], registers: [registry] }),
    poison: new Counter({
      name: 'pm_ingest_poison_total',
      help: 'Valid messages the database or bus refused on their own, isolated from their batch and dead-lettered, by channel',
      labelNames: ['channel'],
      registers: [registry],
    }),
    readingsStored: new Counter({ name: 'pm_ingest_readings_stored_total', help: 'Reading rows written', registers: [registry] }),
    duplicates: new Counter({ name: 'pm_ingest_duplicate_readings_total', help: 'Reading rows skipped as duplicates (same device, key, seq, time)', registers: [registry] }),
    batchSize: new Histogram({
      name: 'pm_ingest_batch_size',
      help: 'Items per persisted batch',
      labelNames: ['batch'],
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
    handleLatency: new Histogram({
      name: 'pm_ingest_handle_seconds',
      help: 'Receive → persisted/forwarded latency',
      labelNames: ['channel'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    pendingAcks: new Gauge({
      name: 'pm_ingest_pending_acks',
      help: 'Messages received and not yet acknowledged to the broker',
      registers: [registry],
      collect() {
        this.set(pendingAcks());
      },
    }),
  };
}
