// `node services/platform/dist/migrate-main.js`: migrates every module's tables in DATABASE_URL
// (PostgreSQL) and exits — the Kubernetes migrations Job (deploy/k8s/base/migrate-job.yaml) runs
// it before the services roll, so schema changes happen once, as the database owner. Services
// still migrate their own parts at start (idempotent, under an advisory lock): a no-op after it.
import { z } from 'zod';
import { ConfigError, LOG_LEVELS, envEnum, envUrl, loadConfig } from '@premonitor/config';
import { SERVICE_ROLES, ensureServiceLogins, migrate, openDatabase, type ServiceWithRole } from '@premonitor/db';
import { createLogger, maskUrlsInText } from '@premonitor/log';
import { PLATFORM_SCHEMA } from './platform-schema.js';

/** SERVICE_DB_PASSWORD_<SERVICE> (e.g. SERVICE_DB_PASSWORD_TELEMETRY_SCORING): the variable holding a service's login password. */
const passwordVariable = (service: ServiceWithRole) => `SERVICE_DB_PASSWORD_${service.toUpperCase().replace(/-/g, '_')}`;
const SERVICES = Object.keys(SERVICE_ROLES) as ServiceWithRole[];

const shape = {
  DATABASE_URL: envUrl(['postgres', 'postgresql'], 'postgres://postgres@127.0.0.1:5432/premonitor'),
  LOG_LEVEL: envEnum(LOG_LEVELS, 'info'),
  DATABASE_TIMESCALE: z.enum(['auto', 'off']).default('auto'),
  // Passwords of the services' login roles (premonitor_<service>_login, members of the
  // least-privilege roles the migrations grant); each one set is created or updated.
  ...Object.fromEntries(SERVICES.map((service) => [passwordVariable(service), z.string().min(1).optional()])),
};

async function main(): Promise<void> {
  const config = loadConfig(shape, process.env);
  const logger = createLogger({ service: 'migrate', level: config.LOG_LEVEL });
  const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolSize: 1, logger, timescale: config.DATABASE_TIMESCALE });
  try {
    const report = await migrate(db, { logger, schema: PLATFORM_SCHEMA });
    logger.info({ applied: report.applied, adopted: report.adopted, database: db.target }, 'database migrated');
    const passwords = Object.fromEntries(SERVICES.map((service) => [service, (config as Readonly<Record<string, unknown>>)[passwordVariable(service)] as string | undefined]));
    const logins = await ensureServiceLogins(db.db, passwords);
    if (logins.length > 0) logger.info({ logins }, 'service logins ready');
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `migration failed: ${err instanceof Error ? err.message : String(err)}`;
  console.error(maskUrlsInText(message));
  process.exit(1);
});
