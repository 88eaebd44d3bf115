import type { Logger } from '@premonitor/log';
import type { PartitionLeases } from './partition-leases.js';

/** What the coordinator does when a partition becomes this replica's or stops being it. */
export interface PartitionHandlers {
  /** Starts consuming the partition (after loading its devices' unresolved alerts). */
  gain(partition: number): Promise<void>;
  /** Stops consuming the partition and forgets its devices (events in flight settle first). */
  lose(partition: number): Promise<void>;
}

/**
 * Keeps this replica's share of the device partitions: every `leaseMs / 3` it renews its
 * leases, drops partitions whose lease it lost, gives back partitions above its fair share
 * (another replica joined) and claims free ones below it (a replica left or died). One round
 * at a time, so a partition is never gained and lost at once.
 */
export class PartitionCoordinator {
  readonly #held = new Set<number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #round: Promise<void> | undefined;
  #running = false;

  constructor(
    private readonly leases: PartitionLeases,
    private readonly handlers: PartitionHandlers,
    private readonly o: { readonly count: number; readonly leaseMs: number; readonly logger: Logger },
  ) {}

  /** The partitions this replica consumes now. */
  get held(): readonly number[] {
    return [...this.#held].sort((a, b) => a - b);
  }

  /** Prepares the lease rows and runs the first round (start-up takes what is free). */
  async start(): Promise<void> {
    await this.leases.prepare();
    this.#running = true;
    await this.#runRound();
    this.#schedule();
  }

  /** Stops the rounds, then drops and gives back every partition held. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#round;
    const held = this.held;
    for (const p of held) await this.#lose(p);
    try {
      await this.leases.release(held);
      await this.leases.leave();
    } catch (err) {
      this.o.logger.warn({ err }, 'could not give back the fusion partitions; other replicas take them when the leases expire');
    }
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.#runRound().finally(() => this.#schedule());
    }, Math.max(50, Math.floor(this.o.leaseMs / 3)));
  }

  #runRound(): Promise<void> {
    this.#round = this.#rebalance().catch((err: unknown) => this.o.logger.warn({ err }, 'fusion partition round failed; retrying at the next one'));
    return this.#round;
  }

  async #rebalance(): Promise<void> {
    const { held, live } = await this.leases.renew();
    for (const p of this.held) if (!held.has(p)) {
      this.o.logger.warn({ partition: p }, 'fusion partition lease lost; another replica has it');
      await this.#lose(p);
    }
    const share = Math.ceil(this.o.count / live);
    if (this.#held.size > share) {
      const extra = this.held.slice(share);
      for (const p of extra) await this.#lose(p);
      await this.leases.release(extra);
      this.o.logger.info({ released: extra, live }, 'fusion partitions given back to share the work');
    } else if (this.#held.size < share) {
      const gained = await this.leases.claim(share - this.#held.size);
      for (const p of gained) {
        this.#held.add(p);
        try {
          await this.handlers.gain(p);
        } catch (err) {
          // Held but not consumed would stall its devices for as long as this replica lives.
          this.o.logger.warn({ err, partition: p }, 'could not start consuming a fusion partition; giving it back');
          await this.#lose(p);
          await this.leases.release([p]);
        }
      }
      if (gained.length > 0) this.o.logger.info({ gained, held: this.held, live }, 'fusion partitions taken');
    }
  }

  async #lose(p: number): Promise<void> {
    this.#held.delete(p);
    await this.handlers.lose(p);
  }
}
