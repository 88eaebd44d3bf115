import { resolve } from 'node:path';
import type { Bus } from '@premonitor/bus';
import type { DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { FileArtifactStore } from './file-artifact-store.js';
import { ModelRegistry } from './model-registry.js';
import { RegistryBackups } from './registry-backups.js';

/** What {@link sharedModelRegistry} needs from a module host (`ModuleContext` in @premonitor/runtime). */
export interface RegistryHost {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  shared<T>(key: string, make: () => T): T;
}

/**
 * The model registry over the artifact folder `storeDir`, one per host and folder: in embedded
 * mode inference, forecasting and model-sync use the same instance; in distributed mode each
 * process has its own.
 */
export function sharedModelRegistry(host: RegistryHost, storeDir: string): ModelRegistry {
  const dir = resolve(storeDir);
  return host.shared(`model-registry:${dir}`, () => new ModelRegistry({ db: host.db.db, bus: host.bus, store: new FileArtifactStore(dir), logger: host.logger.child({ component: 'registry' }) }));
}

/** The backups of the registry over `storeDir` (one per host and folder, like the registry). */
export function sharedRegistryBackups(host: RegistryHost, storeDir: string): RegistryBackups {
  const dir = resolve(storeDir);
  return host.shared(`registry-backups:${dir}`, () => new RegistryBackups({ db: host.db.db, store: new FileArtifactStore(dir), registry: sharedModelRegistry(host, dir), logger: host.logger.child({ component: 'registry-backups' }) }));
}
