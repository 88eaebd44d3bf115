import { topicMatchesFilter } from './topic-filter.js';

/** Called when a client's unacknowledged QoS≥1 deliveries reach a multiple of the threshold. */
export type BacklogListener = (clientId: string, unacked: number) => void;

/**
 * Counts QoS≥1 messages forwarded to each client and not yet acknowledged. Aedes has no
 * per-client queue cap (its memory persistence queue grows until the process runs out
 * of memory), so nothing is dropped here: the count exists so a subscriber that falls
 * behind is reported instead of slowly eating the heap unnoticed.
 */
export class SubscriberBacklog<C extends object> {
  readonly #unacked = new Map<C, number>();
  readonly #grants = new Map<C, Map<string, number>>();

  constructor(
    private readonly threshold: number,
    private readonly onBacklog: BacklogListener,
  ) {}

  /** Records the QoS a subscription was granted, which caps the delivery QoS. */
  subscribed(client: C, filter: string, qos: number): void {
    let grants = this.#grants.get(client);
    if (!grants) this.#grants.set(client, (grants = new Map()));
    grants.set(filter, qos);
  }

  /** Forgets unsubscribed filters. */
  unsubscribed(client: C, filters: readonly string[]): void {
    const grants = this.#grants.get(client);
    for (const f of filters) grants?.delete(f);
  }

  /** A message is about to be written to `client`. */
  forwarded(client: C, clientId: string, topic: string, qos: number): void {
    if (qos === 0 || this.#grantedQos(client, topic) === 0) return;
    const unacked = (this.#unacked.get(client) ?? 0) + 1;
    this.#unacked.set(client, unacked);
    if (unacked % this.threshold === 0) this.onBacklog(clientId, unacked);
  }

  /** The client acknowledged one QoS≥1 message. */
  acked(client: C): void {
    const unacked = this.#unacked.get(client);
    if (unacked !== undefined && unacked > 0) this.#unacked.set(client, unacked - 1);
  }

  /** Current unacknowledged count for a client. */
  unacked(client: C): number {
    return this.#unacked.get(client) ?? 0;
  }

  /** The client is gone; its in-flight messages stay in the session store, not here. */
  disconnected(client: C): void {
    this.#unacked.delete(client);
    this.#grants.delete(client);
  }

  #grantedQos(client: C, topic: string): number {
    let best = 0;
    for (const [filter, qos] of this.#grants.get(client) ?? []) {
      if (qos > best && topicMatchesFilter(topic, filter)) best = qos;
    }
    return best;
  }
}
