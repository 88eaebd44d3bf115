// Ingest on its own, on either pair of adapters, for tests that need to reach into its
// settings or its store: embedded (Aedes + in-process bus + PGlite) or distributed
// (Mosquitto + NATS JetStream + a throwaway PostgreSQL database).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { EmbeddedBroker } from '@premonitor/broker';
import { InProcessBus, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createRegistry } from '@premonitor/http';
import { Ingest, type IngestSettings, type IngestStore } from '@premonitor/ingest';
import type { Logger } from '@premonitor/log';
import type { Registry } from 'prom-client';
import { needService } from './real-services.js';
import { createThrowawayDatabase } from './throwaway-postgres.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './pglite-template.js';

/** A running ingest and what it stands on. */
export interface IngestRig {
  readonly mqttUrl: string;
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly ingest: Ingest;
  readonly registry: Registry;
  /** Stops ingest (if still running) and everything under it. */
  close(): Promise<void>;
}

/** How to build one rig; `store` wraps the real store (tests that inject failures). */
export interface RigOptions {
  readonly logger: Logger;
  readonly settings?: Partial<Omit<IngestSettings, 'mqtt'>>;
  readonly wrapStore?: (store: IngestStore) => IngestStore;
}

/** One kind of rig: its name, a skip reason when its services are missing, and a factory. */
export interface RigMode {
  readonly name: string;
  readonly skip: string | false;
  start(options: RigOptions): Promise<IngestRig>;
}

const BASE: Omit<IngestSettings, 'mqtt'> = {
  batchSize: 500,
  batchMaxWaitMs: 20,
  batchConcurrency: 2,
  deadLetterMaxBytes: 1024,
  limits: { maxJsonBytes: 4096, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 },
};

/** Starts ingest on the given adapters; `close` stops it (again, if a test already did) and then runs `teardown`. */
async function startRig(mqttUrl: string, protocolVersion: 4 | 5, db: DatabaseHandle, bus: Bus, options: RigOptions, teardown: (clientId: string) => Promise<void>, extra: Partial<IngestSettings> = {}): Promise<IngestRig> {
  const registry = createRegistry('rig', false);
  const clientId = `pm-rig-ingest-${randomBytes(4).toString('hex')}`;
  const ingest = new Ingest(
    { ...BASE, ...extra, ...options.settings, mqtt: { url: mqttUrl, clientId, sharedGroup: '', receiveMaximum: 1000, protocolVersion } },
    { db, bus, logger: options.logger, registry, wrapStore: options.wrapStore },
  );
  await ingest.start();
  return {
    mqttUrl,
    db,
    bus,
    ingest,
    registry,
    async close() {
      await ingest.stop();
      await bus.stop();
      await teardown(clientId);
    },
  };
}

/** Aedes + InProcessBus + PGlite in a temporary folder. */
export function embeddedRig(): RigMode {
  return {
    name: 'embedded (Aedes + in-process bus + PGlite)',
    skip: false,
    async start(options) {
      const dir = await mkdtemp(join(tmpdir(), 'pm-rig-'));
      const broker = new EmbeddedBroker({ port: 0, credentials: null, logger: options.logger });
      await broker.start();
      const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
      await migrate(db, { schema: PLATFORM_SCHEMA });
      const bus = new InProcessBus();
      await bus.start();
      return startRig(
        broker.url,
        4,
        db,
        bus,
        options,
        async () => {
          await broker.stop();
          await db.close();
          await rm(dir, { recursive: true, force: true });
        },
        { batchConcurrency: 1 },
      );
    },
  };
}

const [pg, mosquitto, nats] = await Promise.all([needService('postgres'), needService('mosquitto'), needService('nats')]);

/** Mosquitto + NATS JetStream + a throwaway database on the real PostgreSQL. */
export function distributedRig(): RigMode {
  return {
    name: 'distributed (Mosquitto + NATS JetStream + PostgreSQL)',
    skip: pg.skip || mosquitto.skip || nats.skip,
    async start(options) {
      const throwaway = await createThrowawayDatabase(pg.url!, 'pm_rig');
      const db = await openDatabase({ kind: 'postgres', url: throwaway.url });
      await migrate(db, { schema: PLATFORM_SCHEMA });
      const bus = new NatsJetStreamBus({ servers: nats.url!, name: 'rig-ingest', logger: options.logger });
      await bus.start();
      return startRig(mosquitto.url!, 5, db, bus, options, async (clientId) => {
        await db.close();
        await throwaway.drop();
        // Remove the persistent session from the shared Mosquitto so it does not queue for a ghost.
        const cleaner = await mqtt.connectAsync(mosquitto.url!, { clientId, clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 } });
        await cleaner.endAsync();
      });
    },
  };
}
