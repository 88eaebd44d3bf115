import { nanos } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { StreamLimits } from './bus.js';
import type { ResolvedConsumerSpec } from './consumer-defaults.js';
import { BusOperationError } from './errors.js';

/** A stream configuration with the fields the platform sets. */
export type PlatformStreamConfig = Partial<StreamConfig> & Pick<StreamConfig, 'name' | 'subjects'>;

/**
 * The JetStream configuration of one platform stream: file storage, limits retention, and
 * `replicas` copies (3 on a 3-node cluster, so a node can be lost; 1 on a single server).
 */
export function streamConfig(name: string, subjects: readonly string[], limits: StreamLimits, replicas = 1): PlatformStreamConfig {
  return {
    name,
    subjects: [...subjects],
    num_replicas: replicas,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(limits.maxAgeMs),
    max_bytes: limits.maxBytes,
    duplicate_window: nanos(limits.duplicateWindowMs),
  };
}

/** The JetStream configuration of a durable pull consumer (single filter: nats-server 2.9 has no multi-filter). */
export function consumerConfig(spec: ResolvedConsumerSpec): Partial<ConsumerConfig> {
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: spec.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
  };
}

/** Creates the stream, or brings an existing one to `config`; safe to run from every replica at once. */
export async function ensureStream(jsm: JetStreamManager, config: PlatformStreamConfig): Promise<void> {
  // num_replicas may change on a running cluster (JetStream moves the stream's peers), so a
  // raised NATS_STREAM_REPLICAS applies at the next start of any service.
  const update = { subjects: config.subjects, discard: config.discard, max_age: config.max_age, max_bytes: config.max_bytes, duplicate_window: config.duplicate_window, num_replicas: config.num_replicas };
  try {
    try {
      await jsm.streams.info(config.name);
    } catch (err) {
      if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
      try {
        await jsm.streams.add(config);
        return;
      } catch (addErr) {
        // Another replica created it between our info and add: fall through to the update.
        if (!(addErr instanceof JetStreamApiError)) throw addErr;
      }
    }
    await jsm.streams.update(config.name, update);
  } catch (err) {
    throw new BusOperationError(`creating or updating stream ${config.name}`, err);
  }
}

/** Creates the durable consumer, or updates the settings an existing one may change. */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>): Promise<void> {
  const durable = config.durable_name ?? '';
  try {
    try {
      await jsm.consumers.add(stream, config);
    } catch (err) {
      if (!(err instanceof JetStreamApiError)) throw err;
      // Already there with other settings; deliver_policy cannot change on an existing durable.
      const { ack_wait, max_deliver, max_ack_pending, filter_subject } = config;
      await jsm.consumers.update(stream, durable, { ack_wait, max_deliver, max_ack_pending, filter_subject });
    }
  } catch (err) {
    throw new BusOperationError(`creating or updating consumer ${durable} on stream ${stream}`, err);
  }
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}
