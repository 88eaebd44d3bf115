import { access, cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '@premonitor/log';
import type { PGliteClient } from './pglite-dialect.js';

/**
 * Opens PGlite in `dataDir`, creating the database there first if needed — so that a folder
 * killed half-way through its creation never exists under the real name.
 *
 * PGlite runs initdb inside its first `create()`; a process killed during it (measured: from
 * 0.5 s to ~2 s into a first start) leaves a folder with `PG_VERSION` and even `pg_control`
 * that every later open aborts on. So a new database is created in a sibling
 * `<dataDir>.init` folder, closed, and renamed into place; a leftover `.init` folder never
 * held data and is removed. A database that exists is opened as it is: after a crash (or
 * SIGKILL) PostgreSQL replays its write-ahead log on open.
 *
 * With a `template` (an empty PGlite database), the new database is a copy of it instead of a
 * fresh initdb, made in the same staging folder.
 */
export async function createPGlite(dataDir: string, options: { logger?: Logger | undefined; template?: string | undefined } = {}): Promise<PGliteClient> {
  const { logger, template } = options;
  // Loaded only here so a distributed service never pulls in the WASM build.
  const { PGlite } = await import('@electric-sql/pglite');
  if (!(await isDatabaseFolder(dataDir))) {
    const staging = join(dirname(dataDir), `${basename(dataDir)}.init`);
    if (await exists(staging)) {
      logger?.warn({ folder: staging }, 'removing a database folder whose creation was interrupted (it never held data)');
      await rm(staging, { recursive: true, force: true });
    }
    if (template !== undefined) {
      if (!(await exists(join(template, 'PG_VERSION')))) throw new Error(`the PGlite template ${template} holds no database (no PG_VERSION)`);
      await cp(template, staging, { recursive: true });
    } else {
      await mkdir(staging, { recursive: true });
      const fresh = await PGlite.create(staging);
      await fresh.close();
    }
    // An empty dataDir (made by mkdir, or by an older version that crashed before writing) is replaced.
    await rm(dataDir, { recursive: true, force: true });
    await rename(staging, dataDir);
  }
  return PGlite.create(dataDir);
}

/** True when `dir` holds anything: an existing database (or something that is not ours to delete). */
async function isDatabaseFolder(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
