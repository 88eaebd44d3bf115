import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { Principal } from './principal.js';
import { lowerRole, type Role } from './roles.js';
import { hashPassword, hashToken, newToken, verifyPassword } from './secrets.js';

/** A user as the API shows it (no hashes). */
export interface UserView {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[] | null;
  readonly createdAt: string;
  readonly disabled: boolean;
}

/** A credential as the API shows it (never its value). */
export interface TokenView {
  readonly id: number;
  readonly user: string;
  readonly kind: 'api' | 'session';
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[] | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revoked: boolean;
}

/** One audit record: who did what to which target, with what outcome, from where. */
export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly status: number;
  readonly remoteAddr?: string | undefined;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface NewCredential {
  readonly user: string;
  readonly name: string;
  readonly kind: 'api' | 'session';
  /** At most the user's role (lowered to it otherwise). */
  readonly role?: Role;
  /** Must be within the user's sites; null/undefined = the user's. */
  readonly sites?: readonly string[] | null;
  readonly expiresAt?: Date | null;
  /** A token chosen by the caller (the bootstrap secret); otherwise a new random one. */
  readonly token?: string;
}

/** A user name, a token's owner or a site outside the owner's scope. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

/** The identity tables behind a thin repository: users, credentials, audit events. */
export class AuthStore {
  constructor(private readonly db: Kysely<Database>) {}

  async countUsers(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createUser(input: { name: string; role: Role; sites?: readonly string[] | null; password?: string }): Promise<UserView> {
    const row = await this.db
      .insertInto('users')
      .values({ name: input.name, role: input.role, sites: input.sites ? [...input.sites] : null, password_hash: input.password ? await hashPassword(input.password) : null, disabled_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return userView(row);
  }

  async setPassword(name: string, password: string): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('name', '=', name).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('id').execute()).map(userView);
  }

  /** The user when `password` is theirs and the account is enabled; undefined otherwise (same work either way). */
  async checkPassword(name: string, password: string): Promise<UserView | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    // A dummy hash for unknown users keeps the time of a failed login independent of whether the name exists.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    return row && row.password_hash && ok && !row.disabled_at ? userView(row) : undefined;
  }

  /** Issues a credential; resolves with its value (shown once) and its view. CSRF for sessions comes with it. */
  async issue(input: NewCredential): Promise<{ token: string; csrf?: string; view: TokenView }> {
    const user = await this.db.selectFrom('users').selectAll().where('name', '=', input.user).executeTakeFirst();
    if (!user || user.disabled_at) throw new CredentialError(`no enabled user named ${input.user}`);
    const sites = input.sites ?? user.sites;
    if (user.sites && (!sites || sites.some((s) => !user.sites!.includes(s)))) throw new CredentialError(`user ${input.user} is limited to sites ${user.sites.join(', ')}`);
    const token = input.token ?? newToken();
    const csrf = input.kind === 'session' ? newToken() : undefined;
    const row = await this.db
      .insertInto('api_tokens')
      .values({
        user_id: user.id,
        kind: input.kind,
        name: input.name,
        token_hash: hashToken(token),
        csrf_hash: csrf ? hashToken(csrf) : null,
        role: lowerRole(input.role ?? user.role, user.role),
        sites: sites ? [...sites] : null,
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { token, ...(csrf ? { csrf } : {}), view: tokenView(row, user.name) };
  }

  /** The principal a token or session value stands for, if it is valid now. */
  async principal(token: string, kind: 'api' | 'session', now: Date): Promise<Principal | undefined> {
    const row = await this.db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['t.id', 't.role', 't.sites', 't.csrf_hash', 't.expires_at', 't.revoked_at', 'u.name', 'u.disabled_at', 'u.role as user_role'])
      .where('t.token_hash', '=', hashToken(token))
      .where('t.kind', '=', kind)
      .executeTakeFirst();
    if (!row || row.revoked_at || row.disabled_at || (row.expires_at && row.expires_at <= now)) return undefined;
    return {
      name: row.name,
      // The user may have been demoted since the token was issued.
      role: lowerRole(row.role, row.user_role),
      sites: row.sites,
      via: kind === 'api' ? 'token' : 'session',
      credentialId: row.id,
      ...(row.csrf_hash ? { csrfHash: row.csrf_hash } : {}),
    };
  }

  async listTokens(user?: string): Promise<TokenView[]> {
    let q = this.db.selectFrom('api_tokens as t').innerJoin('users as u', 'u.id', 't.user_id').selectAll('t').select('u.name as user_name').where('t.kind', '=', 'api');
    if (user !== undefined) q = q.where('u.name', '=', user);
    return (await q.orderBy('t.id').execute()).map((row) => tokenView(row, row.user_name));
  }

  /** Revokes a credential (of `user` only, when given); false when there is no such credential. */
  async revoke(id: number, now: Date, user?: string): Promise<boolean> {
    let q = this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null);
    if (user !== undefined) q = q.where('user_id', '=', this.db.selectFrom('users').select('id').where('name', '=', user));
    return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
  }

  /** Revokes the session whose value is `token` (logout). */
  async revokeSession(token: string, now: Date): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('token_hash', '=', hashToken(token)).where('kind', '=', 'session').execute();
  }

  async audit(event: AuditInput): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({ actor: event.actor, action: event.action, target: event.target, status: event.status, remote_addr: event.remoteAddr ?? null, detail: event.detail ? JSON.stringify(event.detail) : null })
      .execute();
  }

  async auditEvents(options: { limit: number; beforeId?: number | undefined }): Promise<{ id: number; time: string; actor: string; action: string; target: string; status: number; remoteAddr: string | null; detail: unknown }[]> {
    let q = this.db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(options.limit);
    if (options.beforeId !== undefined) q = q.where('id', '<', options.beforeId);
    return (await q.execute()).map((r) => ({ id: r.id, time: r.time.toISOString(), actor: r.actor, action: r.action, target: r.target, status: r.status, remoteAddr: r.remote_addr, detail: r.detail }));
  }
}

// scrypt of a random string: verifying against it costs what a real check costs.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function userView(row: { id: number; name: string; role: Role; sites: string[] | null; created_at: Date; disabled_at: Date | null }): UserView {
  return { id: row.id, name: row.name, role: row.role, sites: row.sites, createdAt: row.created_at.toISOString(), disabled: row.disabled_at !== null };
}

function tokenView(row: { id: number; kind: 'api' | 'session'; name: string; role: Role; sites: string[] | null; created_at: Date; expires_at: Date | null; revoked_at: Date | null }, user: string): TokenView {
  return { id: row.id, user, kind: row.kind, name: row.name, role: row.role, sites: row.sites, createdAt: row.created_at.toISOString(), expiresAt: row.expires_at?.toISOString() ?? null, revoked: row.revoked_at !== null };
}
