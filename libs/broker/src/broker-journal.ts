import type { Aedes } from 'aedes';
import type { Clock } from '@premonitor/time';
import { brokerPosition, outgoing } from './aedes-internals.js';
import type { BrokerLogger, BrokerMetrics } from './broker-metrics.js';
import { PublishJournal } from './publish-journal.js';

/** The write-ahead journal that lets device messages the broker acknowledged survive a crash of its process. */
export interface EmbeddedBrokerJournal {
  /** Folder of the journal's segment files (in the data folder one process owns). */
  readonly dir: string;
  /** Bytes the journal may hold; when full, device messages are refused (not acknowledged) until it has room. */
  readonly maxBytes: number;
  /**
   * Client ids of the persistent sessions whose acknowledgement means "stored" (ingest's): each
   * must be subscribed to every device topic with QoS 1 and `clean: false` before `admitDevices()`,
   * or a message would pass through no queue and its segment could go before it is stored.
   */
  readonly storedBy: readonly string[];
  /** How often the open segment is sealed and stored segments deleted, ms; default 1 000. */
  readonly checkpointIntervalMs?: number;
}

/** A device message as Aedes hands it to authorizePublish; the same object reaches the `published` hook. */
interface DevicePacket {
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly qos: number;
  readonly retain: boolean;
}

/**
 * The embedded broker's side of the {@link PublishJournal}: appends each device message in
 * authorizePublish (before Aedes writes the PUBACK), follows it to the `published` hook (in every
 * subscriber's session), checkpoints against the storing sessions' queues, and replays what an
 * earlier run left. The reasoning: libs/broker/README.md, "Journal".
 */
export class BrokerJournal {
  /** Each journaled device message (the packet object Aedes routes) → its journal segment. */
  readonly #segments = new WeakMap<object, number>();
  #full = false;
  #checkpoints: NodeJS.Timeout | undefined;
  /** The checkpoint under way, awaited by close(). */
  #checkpointing: Promise<void> | undefined;

  private constructor(
    private readonly settings: EmbeddedBrokerJournal,
    private readonly journal: PublishJournal,
    private readonly context: { readonly logger: BrokerLogger; readonly metrics?: BrokerMetrics; readonly drainTimeoutMs: number },
  ) {}

  /** Opens the journal's folder (the segments there wait for `replay`). */
  static open(settings: EmbeddedBrokerJournal, context: { readonly logger: BrokerLogger; readonly metrics?: BrokerMetrics; readonly clock: Clock; readonly drainTimeoutMs: number }): BrokerJournal {
    const journal = PublishJournal.open({ dir: settings.dir, maxBytes: settings.maxBytes, logger: context.logger, clock: context.clock });
    return new BrokerJournal(settings, journal, context);
  }

  /** Whether the journal keeps what the session `clientId` has not acknowledged (it is a storing one). */
  keepsFor(clientId: string): boolean {
    return this.settings.storedBy.includes(clientId);
  }

  /** Journals a device message; false when it must be refused (the journal is full or cannot be written). */
  append(username: string, packet: DevicePacket): boolean {
    const { logger, metrics } = this.context;
    let segment: number | undefined;
    let error: unknown;
    try {
      segment = this.journal.append({ topic: packet.topic, payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), qos: packet.qos === 2 ? 2 : 1, retain: packet.retain });
    } catch (err) {
      error = err;
    }
    if (segment !== undefined) {
      this.#segments.set(packet, segment);
      return true;
    }
    // One line per episode (the next checkpoint with room ends it): a full disk would otherwise log every message.
    if (!this.#full) {
      logger.error(
        { err: error, bytes: this.journal.bytes, maxBytes: this.settings.maxBytes, username },
        error
          ? 'MQTT journal write failed: device messages are refused (devices keep them and send them again)'
          : 'MQTT journal full: device messages are refused (devices keep them and send them again) until ingest has stored what the journal holds',
      );
    }
    this.#full = true;
    metrics?.journalFull?.(username);
    return false;
  }

  /** Aedes's `published` hook saw `packet`: it is in every subscriber's session. */
  routed(packet: object): void {
    const segment = this.#segments.get(packet);
    if (segment === undefined) return;
    this.#segments.delete(packet);
    this.journal.routed(segment);
  }

  /**
   * Publishes again what the journal kept from an earlier run, oldest first, into the
   * subscribers' sessions, then starts the checkpoints. Once only; call when the storing
   * subscribers are subscribed.
   */
  async replay(aedes: Aedes): Promise<void> {
    if (this.#checkpoints !== undefined) return;
    const { logger, metrics } = this.context;
    let replayed = 0;
    for (const { segment, records } of this.journal.recovered()) {
      for (const record of records) {
        const error = await new Promise<Error | undefined>((resolve) =>
          aedes.publish({ cmd: 'publish', topic: record.topic, payload: record.payload, qos: record.qos, retain: record.retain, dup: false }, (err) => resolve(err ?? undefined)),
        );
        if (error) logger.error({ err: error, segment, topic: record.topic }, 'MQTT journal: a kept message could not be published again');
        else replayed++;
      }
    }
    if (replayed > 0) logger.warn({ messages: replayed, bytes: this.journal.bytes }, 'MQTT journal: messages acknowledged to devices before the last run ended, not known to be stored, were published again (ingest stores a message it already has once)');
    metrics?.journalReplayed?.(replayed);
    this.#checkpoints = setInterval(() => void this.#checkpoint(aedes), this.settings.checkpointIntervalMs ?? 1_000);
    this.#checkpoints.unref();
  }

  /** A last checkpoint (once replay ran: before, nothing kept was published again), then the file is closed. */
  async close(aedes: Aedes): Promise<void> {
    if (this.#checkpoints !== undefined) {
      clearInterval(this.#checkpoints);
      this.#checkpoints = undefined;
      await this.#checkpointing;
      this.journal.seal();
      await this.#checkpoint(aedes);
    }
    this.journal.close();
  }

  /** Deletes the segments the storing sessions have acknowledged entirely. */
  #checkpoint(aedes: Aedes): Promise<void> {
    this.#checkpointing ??= (async () => {
      const { logger, metrics, drainTimeoutMs } = this.context;
      try {
        // A message waits for its PUBACK to be written before Aedes routes it, up to the drain timeout.
        await this.journal.checkpoint(() => brokerPosition(aedes), () => oldestQueued(aedes, this.settings.storedBy), drainTimeoutMs + 5_000);
        if (this.#full && this.journal.bytes < this.settings.maxBytes) {
          this.#full = false;
          logger.warn({ bytes: this.journal.bytes }, 'MQTT journal accepting device messages again');
        }
        metrics?.journalBytes?.(this.journal.bytes);
      } catch (err) {
        logger.error({ err }, 'MQTT journal checkpoint failed; its segments are kept (and published again at the next start)');
      } finally {
        this.#checkpointing = undefined;
      }
    })();
    return this.#checkpointing;
  }
}

/** The lowest `brokerCounter` the sessions `clientIds` still hold; Infinity when they hold nothing. */
async function oldestQueued(aedes: Aedes, clientIds: readonly string[]): Promise<number> {
  let oldest = Infinity;
  for (const clientId of clientIds) for await (const packet of outgoing(aedes, clientId)) oldest = Math.min(oldest, packet.brokerCounter);
  return oldest;
}
