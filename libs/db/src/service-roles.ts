import { sql, type Kysely } from 'kysely';
import type { Migration } from './migrations/migration.js';
import type { Database } from './schema.js';

/**
 * The group role of each service run with least privilege: its login role (the user in its
 * DATABASE_URL, created by the operator: docs/ARCHITECTURE.md, "Database roles per service")
 * is a member, and the service runs with DATABASE_MIGRATE=off (the migrate Job, as the owner,
 * changes the schema). Every distributed service has one; the owner is left to the migrate Job,
 * the CLIs and embedded mode.
 */
export const SERVICE_ROLES = {
  ingest: 'premonitor_ingest',
  fusion: 'premonitor_fusion',
  notifier: 'premonitor_notifier',
  inference: 'premonitor_inference',
  forecasting: 'premonitor_forecasting',
  'telemetry-scoring': 'premonitor_telemetry_scoring',
  'model-sync': 'premonitor_model_sync',
  retraining: 'premonitor_retraining',
  console: 'premonitor_console',
} as const;

export type ServiceWithRole = keyof typeof SERVICE_ROLES;

/**
 * A migration granting each service's role what it needs on the tables of one schema part
 * (`grants`: privilege clauses as SQL, e.g. `select, insert on readings`), in the migration
 * after the one that creates them. The role is created (NOLOGIN) where missing and the
 * migrating user may create roles; otherwise a notice and no failed start, like the read-only
 * role: a managed database's administrator creates the roles (same names) and the grants apply.
 */
export function serviceGrants(name: string, grants: Readonly<Partial<Record<ServiceWithRole, readonly string[]>>>): Migration {
  const blocks = Object.entries(grants).map(([service, clauses]) => {
    const role = SERVICE_ROLES[service as ServiceWithRole];
    return `
      if not exists (select 1 from pg_roles where rolname = '${role}') then
        if exists (select 1 from pg_roles where rolname = current_user and (rolsuper or rolcreaterole)) then
          begin
            create role ${role} nologin;
          exception when duplicate_object or unique_violation then
            null; -- another database of the same server created it just now (roles are server-wide)
          end;
        else
          raise notice '${role} not created: % may not create roles', current_user;
        end if;
      end if;
      if exists (select 1 from pg_roles where rolname = '${role}') then
        execute format('grant usage on schema %I to ${role}', current_schema());
        ${(clauses ?? []).map((clause) => `grant ${clause} to ${role};`).join('\n        ')}
      end if;`;
  });
  return {
    name,
    statements: [
      `do $$
      begin${blocks.join('')}
      exception when insufficient_privilege then
        raise notice 'service role grants incomplete: %', sqlerrm;
      end $$`,
    ],
  };
}

/** The login role the migrate Job creates for a service (member of its group role), e.g. `premonitor_ingest_login`. */
export function serviceLoginName(service: ServiceWithRole): string {
  return `${SERVICE_ROLES[service]}_login`;
}

/**
 * Creates (or sets the password of) the login role of each service given a password, as a
 * member of the service's group role. Run by the migrate Job as the owner, after migrating:
 * the services then connect as these logins (deploy/k8s). Needs CREATEROLE.
 */
export async function ensureServiceLogins(db: Kysely<Database>, passwords: Readonly<Partial<Record<ServiceWithRole, string>>>): Promise<string[]> {
  const done: string[] = [];
  for (const [service, password] of Object.entries(passwords)) {
    if (!password) continue;
    const login = serviceLoginName(service as ServiceWithRole);
    // A literal, not a parameter: role statements take none. Doubled quotes keep it one literal.
    const literal = `'${password.replace(/'/g, "''")}'`;
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${login}`.execute(db);
    if (rows[0]?.n) await sql.raw(`alter role ${login} login password ${literal}`).execute(db);
    else await sql.raw(`create role ${login} login password ${literal}`).execute(db);
    await sql.raw(`grant ${SERVICE_ROLES[service as ServiceWithRole]} to ${login}`).execute(db);
    done.push(login);
  }
  return done;
}
