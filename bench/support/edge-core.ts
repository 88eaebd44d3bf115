import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createRegistry } from '@premonitor/http';
import { Ingest } from '@premonitor/ingest';
import type { Logger } from '@premonitor/log';
import { sql } from 'kysely';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';

/**
 * The core the edge bench replays into: ingest over an MQTT broker into PGlite and the
 * in-process bus, as in embedded mode. `storedSeqs` counts distinct telemetry messages.
 */
export class EdgeBenchCore {
  db!: DatabaseHandle;
  #bus!: InProcessBus;
  #ingest!: Ingest;
  readonly #dir = mkdtempSync(join(tmpdir(), 'pm-bench-edge-core-'));

  constructor(private readonly logger: Logger) {}

  async start(mqttUrl: string): Promise<void> {
    this.db = await openDatabase({ kind: 'pglite', dataDir: join(this.#dir, 'pg'), logger: this.logger });
    await migrate(this.db, { logger: this.logger, schema: PLATFORM_SCHEMA });
    this.#bus = new InProcessBus({ logger: this.logger });
    await this.#bus.start();
    this.#ingest = new Ingest(
      {
        mqtt: { url: mqttUrl, clientId: 'bench-edge-ingest', sharedGroup: '', receiveMaximum: 5000, protocolVersion: 4 },
        batchSize: 1000,
        batchMaxWaitMs: 50,
        batchConcurrency: 1,
        deadLetterMaxBytes: 1024,
        limits: { maxJsonBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 },
      },
      { db: this.db, bus: this.#bus, logger: this.logger, registry: createRegistry('bench-edge', false) },
    );
    await this.#ingest.start();
  }

  /** True while ingest is connected and subscribed. */
  async ready(): Promise<boolean> {
    return (await Promise.all(this.#ingest.readiness.map((c) => c.check()))).every(Boolean);
  }

  /** Distinct (device, seq) pairs stored, i.e. telemetry messages that arrived. */
  async storedMessages(): Promise<number> {
    const row = await sql<{ n: number }>`select count(*) as n from (select distinct device_id, seq from readings) d`.execute(this.db.db);
    return Number(row.rows[0]?.n ?? 0);
  }

  async stop(): Promise<void> {
    await this.#ingest.stop();
    await this.#bus.stop();
    await this.db.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
