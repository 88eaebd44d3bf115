#!/usr/bin/env node
/**
 * Creates users and API tokens, revokes tokens and lists both, on the database of a data
 * folder (embedded mode, the platform stopped: the folder's lock is taken) or DATABASE_URL
 * (distributed mode). Commands and flags are in {@link USAGE} (`--help`).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, chooseCommand, readStdin, reportCliError } from '@premonitor/config';
import { AUTH_SCHEMA, AuthStore, ROLES, newPassword, type Role } from '@premonitor/auth';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { createLogger } from '@premonitor/log';
import { DataDirLock } from './data-dir-lock.js';

const COMMANDS = ['create-user', 'set-password', 'create-token', 'revoke-token', 'list-users', 'list-tokens'] as const;

const USAGE = `usage: premonitor-auth <command> [options]   (node services/platform/dist/auth-cli.js)

Manages who may call the HTTP API. Only hashes are stored: a generated password or a token
is printed once, here.

commands:
  create-user   --name N --role ${ROLES.join('|')} [--sites a,b] [--password-stdin]
                (a password is generated unless given on stdin; omit it for machine-only users)
  set-password  --name N [--password-stdin]
  create-token  --user N --token-name T [--role R] [--sites a,b] [--expires-days D]
                (never above the user's role and sites)
  revoke-token  --id ID
  list-users
  list-tokens   [--user N]
  help          this text

options:
  --data-dir D  embedded mode's data folder (default PM_DATA_DIR, else .data); the platform
                must be stopped (its lock is taken while the command runs)
  -h, --help    this text

environment:
  DATABASE_URL  distributed mode: the PostgreSQL the services share (takes precedence)
  PM_DATA_DIR   embedded mode: the data folder

On a running platform use the API instead: POST /api/v1/auth/users, POST /api/v1/auth/tokens.
`;

async function main(argv: readonly string[]): Promise<void> {
  const chosen = chooseCommand(argv, COMMANDS, USAGE);
  if (!chosen) return;
  const { command, rest } = chosen;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      sites: { type: 'string' },
      user: { type: 'string' },
      'token-name': { type: 'string' },
      'expires-days': { type: 'string' },
      id: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const required = (name: 'name' | 'user' | 'token-name' | 'id'): string => {
    const value = values[name];
    if (!value) throw new UsageError(`--${name} is required for ${command}`);
    return value;
  };
  const sites = values.sites ? values.sites.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const role = values.role === undefined ? undefined : roleOf(values.role);

  await withDatabase(values['data-dir'], async (db) => {
    const store = new AuthStore(db.db);
    switch (command) {
      case 'create-user': {
        if (!role) throw new UsageError(`--role is required: one of ${ROLES.join(', ')}`);
        const password = values['password-stdin'] ? await readStdin() : newPassword();
        const user = await store.createUser({ name: required('name'), role, ...(sites ? { sites } : {}), password });
        console.log(`user ${user.name} (${user.role}${user.sites ? `, sites ${user.sites.join(', ')}` : ''}) created`);
        if (!values['password-stdin']) console.log(`password: ${password}   (shown once)`);
        return;
      }
      case 'set-password': {
        const password = values['password-stdin'] ? await readStdin() : newPassword();
        if (!(await store.setPassword(required('name'), password))) throw new Error(`no user named ${required('name')}`);
        if (!values['password-stdin']) console.log(`password: ${password}   (shown once)`);
        return;
      }
      case 'create-token': {
        const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
        if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new UsageError('--expires-days must be a positive integer');
        const { token, view } = await store.issue({
          user: required('user'),
          name: required('token-name'),
          kind: 'api',
          ...(role ? { role } : {}),
          ...(sites ? { sites } : {}),
          expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
        });
        console.log(`token ${view.id} for ${view.user} (${view.role}${view.sites ? `, sites ${view.sites.join(', ')}` : ''}${view.expiresAt ? `, expires ${view.expiresAt}` : ''})`);
        console.log(`token: ${token}   (shown once; send as 'Authorization: Bearer <token>')`);
        return;
      }
      case 'revoke-token': {
        const id = Number(required('id'));
        if (!Number.isInteger(id)) throw new UsageError('--id must be a token id (list-tokens)');
        console.log((await store.revoke(id, new Date())) ? 'revoked' : 'no active token with that id (nothing changed)');
        return;
      }
      case 'list-users':
        for (const u of await store.listUsers()) console.log(`${u.name}\t${u.role}\t${u.sites?.join(',') ?? '*'}${u.disabled ? '\tdisabled' : ''}`);
        return;
      case 'list-tokens':
        for (const t of await store.listTokens(values.user)) console.log(`${t.id}\t${t.user}\t${t.name}\t${t.role}\t${t.sites?.join(',') ?? '*'}\t${t.expiresAt ?? 'no expiry'}${t.revoked ? '\trevoked' : ''}`);
        return;
    }
  });
}

/** Opens DATABASE_URL, or the data folder's PGlite under its lock; migrates the auth tables. */
async function withDatabase(dataDirFlag: string | undefined, work: (db: DatabaseHandle) => Promise<void>): Promise<void> {
  const logger = createLogger({ service: 'premonitor-auth', level: 'warn', destination: process.stderr });
  const url = process.env['DATABASE_URL'];
  let lock: DataDirLock | undefined;
  let db: DatabaseHandle;
  if (url && !dataDirFlag) {
    db = await openDatabase({ kind: 'postgres', url, logger });
  } else {
    const dataDir = resolve(dataDirFlag ?? process.env['PM_DATA_DIR'] ?? '.data');
    lock = await DataDirLock.acquire(dataDir, logger);
    db = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pg'), logger });
  }
  try {
    await migrate(db, { logger, schema: [AUTH_SCHEMA] });
    await work(db);
  } finally {
    await db.close();
    await lock?.release();
  }
}

function roleOf(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`unknown role '${role}': one of ${ROLES.join(', ')}`);
  return role as Role;
}

main(process.argv.slice(2)).catch(reportCliError);
