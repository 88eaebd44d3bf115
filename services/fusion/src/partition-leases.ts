import { sql, type Kysely } from 'kysely';
import type { Database } from '@premonitor/db';

/** Settings of {@link PartitionLeases}. */
export interface PartitionLeaseSettings {
  /** This process, unique per start (a restarted replica must not take its predecessor's leases for its own). */
  readonly replica: string;
  /** Partitions the devices are spread over; every replica must use the same count. */
  readonly count: number;
  /** How long a lease and a replica's heartbeat last without renewal, ms. */
  readonly leaseMs: number;
}

/** What one renewal round found. */
export interface LeaseRound {
  /** Partitions this replica still holds (renewed). */
  readonly held: ReadonlySet<number>;
  /** Replicas alive (heartbeat not expired) with the same partition count, this one included. */
  readonly live: number;
}

/**
 * Leases on fusion's device partitions in PostgreSQL (`fusion_partition_leases`), plus a
 * heartbeat per replica (`fusion_replicas`) so each can take its fair share,
 * ⌈partitions / live replicas⌉. A replica that stops renewing (killed, stalled, cut off)
 * loses its leases after `leaseMs` and the others take them. Leases are keyed by the
 * partition count too: replicas started with another count never share partitions with these.
 */
export class PartitionLeases {
  readonly #interval: ReturnType<typeof sql.raw>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly s: PartitionLeaseSettings,
  ) {
    this.#interval = sql.raw(`interval '${Math.round(s.leaseMs)} milliseconds'`);
  }

  /** Creates the lease rows of every partition (a no-op when they exist). */
  async prepare(): Promise<void> {
    await sql`
      insert into fusion_partition_leases (partition_count, partition)
      select ${this.s.count}, g from generate_series(0, ${this.s.count - 1}) g
      on conflict do nothing`.execute(this.db);
  }

  /** Beats this replica's heartbeat, renews its leases and counts the live replicas. */
  async renew(): Promise<LeaseRound> {
    const { count, replica } = this.s;
    await sql`
      insert into fusion_replicas (replica, partition_count, seen_until) values (${replica}, ${count}, now() + ${this.#interval})
      on conflict (replica) do update set seen_until = excluded.seen_until`.execute(this.db);
    // Renewed only while still ours: a lease another replica took after it expired is gone.
    const renewed = await sql<{ partition: number }>`
      update fusion_partition_leases set lease_until = now() + ${this.#interval}
      where partition_count = ${count} and owner = ${replica}
      returning partition`.execute(this.db);
    const live = await sql<{ n: string | number }>`
      select count(*) as n from fusion_replicas where partition_count = ${count} and seen_until > now()`.execute(this.db);
    return { held: new Set(renewed.rows.map((r) => Number(r.partition))), live: Math.max(1, Number(live.rows[0]?.n ?? 1)) };
  }

  /** Takes up to `wanted` partitions nobody holds (never held, released, or expired); the ones taken. */
  async claim(wanted: number): Promise<number[]> {
    if (wanted <= 0) return [];
    const { rows } = await sql<{ partition: number }>`
      update fusion_partition_leases l set owner = ${this.s.replica}, lease_until = now() + ${this.#interval}
      from (
        select partition from fusion_partition_leases
        where partition_count = ${this.s.count} and (owner is null or lease_until is null or lease_until <= now())
        order by partition
        limit ${wanted}
        for update skip locked
      ) free
      where l.partition_count = ${this.s.count} and l.partition = free.partition
      returning l.partition`.execute(this.db);
    return rows.map((r) => Number(r.partition)).sort((a, b) => a - b);
  }

  /** Gives partitions back at once (their consumers are stopped), so another replica need not wait for expiry. */
  async release(partitions: readonly number[]): Promise<void> {
    if (partitions.length === 0) return;
    await sql`
      update fusion_partition_leases set owner = null, lease_until = null
      where partition_count = ${this.s.count} and owner = ${this.s.replica} and partition = any(${[...partitions]}::int4[])`.execute(this.db);
  }

  /** Removes this replica's heartbeat (on stop) and those of replicas dead for an hour. */
  async leave(): Promise<void> {
    await sql`delete from fusion_replicas where replica = ${this.s.replica} or seen_until < now() - interval '1 hour'`.execute(this.db);
  }
}
