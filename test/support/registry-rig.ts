import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@premonitor/bus';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { PLATFORM_SCHEMA } from '@premonitor/platform/schema';
import { FileArtifactStore, ModelRegistry, RegistryBackups } from '@premonitor/registry';
import { createThrowawayDatabase } from './throwaway-postgres.js';

/** A model registry and its backups on a throwaway PostgreSQL database and a temporary artifact folder. */
export interface RegistryRig {
  readonly dir: string;
  /** The artifact folder (backups are files in it too). */
  readonly storeDir: string;
  readonly db: DatabaseHandle;
  readonly bus: InProcessBus;
  readonly registry: ModelRegistry;
  readonly backups: RegistryBackups;
  close(): Promise<void>;
}

/** Opens a {@link RegistryRig} on the server at `pgUrl` (migrated with the platform's schema). */
export async function openRegistryRig(pgUrl: string, prefix: string, logger: Logger): Promise<RegistryRig> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const throwaway = await createThrowawayDatabase(pgUrl, prefix.replace(/-/g, '_'));
  const db = await openDatabase({ kind: 'postgres', url: throwaway.url });
  await migrate(db, { schema: PLATFORM_SCHEMA });
  const bus = new InProcessBus();
  await bus.start();
  const storeDir = join(dir, 'models');
  const store = new FileArtifactStore(storeDir);
  const registry = new ModelRegistry({ db: db.db, bus, store, logger });
  const backups = new RegistryBackups({ db: db.db, store, registry, logger });
  return {
    dir,
    storeDir,
    db,
    bus,
    registry,
    backups,
    async close() {
      await bus.stop();
      await db.close();
      await throwaway.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Where a file artifact store keeps the bytes of `sha256` (to damage a backup on purpose). */
export function artifactPath(storeDir: string, sha256: string): string {
  return join(storeDir, sha256.slice(0, 2), `${sha256}.onnx`);
}
