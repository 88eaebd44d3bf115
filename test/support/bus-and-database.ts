// The two pairs of adapters a service runs on, for integration tests that need only a bus and a
// database: embedded (InProcessBus + PGlite in a temporary folder) and distributed (NATS
// JetStream + a throwaway database on the real PostgreSQL), the second skipped without them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus, type Bus } from '@premonitor/bus';
import { NatsJetStreamBus } from '@premonitor/bus/nats';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { needService } from './real-services.js';
import { createThrowawayDatabase } from './throwaway-postgres.js';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { pgliteTemplate } from './pglite-template.js';

/** A started bus and a migrated database; `stop` closes both and removes what they left. */
export interface BusAndDatabase {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  stop(): Promise<void>;
}

/** One pair: its name for the suite title, why it is skipped (or false), and how to open it. */
export interface BusAndDatabaseMode {
  readonly name: string;
  readonly skip: string | false;
  open(): Promise<BusAndDatabase>;
}

/** Both pairs; `tag` names the temporary folder, the throwaway database and the NATS connection. */
export async function busAndDatabaseModes(tag: string, logger: Logger): Promise<readonly BusAndDatabaseMode[]> {
  const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);
  return [
    {
      name: 'embedded (in-process bus + PGlite)',
      skip: false,
      async open() {
        const dir = await mkdtemp(join(tmpdir(), `pm-${tag}-`));
        const db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
        await migrate(db, { schema: PLATFORM_SCHEMA });
        const bus = new InProcessBus();
        await bus.start();
        return { db, bus, stop: async () => (await bus.stop(), await db.close(), await rm(dir, { recursive: true, force: true })) };
      },
    },
    {
      name: 'distributed (NATS JetStream + PostgreSQL)',
      skip: pg.skip || nats.skip,
      async open() {
        const throwaway = await createThrowawayDatabase(pg.url!, `pm_${tag.replace(/-/g, '_')}`);
        const db = await openDatabase({ kind: 'postgres', url: throwaway.url });
        await migrate(db, { schema: PLATFORM_SCHEMA });
        const bus = new NatsJetStreamBus({ servers: nats.url!, name: `${tag}-test`, logger });
        await bus.start();
        return { db, bus, stop: async () => (await bus.stop(), await db.close(), await throwaway.drop()) };
      },
    },
  ];
}
