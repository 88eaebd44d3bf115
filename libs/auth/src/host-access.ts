import type { Router } from 'express';
import type { DatabaseHandle } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { systemClock, type Clock } from '@premonitor/time';
import { AccessControl } from './access-control.js';
import { AUTH_ROUTES, createAuthApi } from './auth-api.js';
import { AuthStore } from './auth-store.js';
import { ensureFirstAdmin, type FirstAdminSecrets } from './first-admin.js';
import { OidcVerifier } from './oidc-verifier.js';
import type { Role } from './roles.js';

/** `authConfigShape` (@premonitor/config) as parsed. */
export interface AuthSettings {
  readonly AUTH_ANONYMOUS_READ: boolean;
  readonly AUTH_ALLOWED_HOSTS?: readonly string[] | 'any' | undefined;
  readonly AUTH_RATE_LIMIT_PER_MINUTE: number;
  readonly AUTH_LOGIN_ATTEMPTS: number;
  readonly AUTH_BOOTSTRAP_ADMIN_TOKEN?: string | undefined;
  readonly AUTH_OIDC_JWKS_URL?: string | undefined;
  readonly AUTH_OIDC_ISSUER?: string | undefined;
  readonly AUTH_OIDC_AUDIENCE?: string | undefined;
  readonly AUTH_OIDC_ROLE_CLAIM?: string | undefined;
  readonly AUTH_OIDC_ROLE_MAP?: Readonly<Record<string, Role>> | undefined;
  readonly AUTH_OIDC_SITES_CLAIM?: string | undefined;
  readonly AUTH_OIDC_NAME_CLAIM?: string | undefined;
  readonly AUTH_OIDC_CLOCK_TOLERANCE_SECONDS?: number | undefined;
}

/** What a host mounts: the access control (front and guard) and the auth API. */
export interface HostAccess {
  readonly access: AccessControl;
  readonly store: AuthStore;
  /** The auth API router, mounted at `/`. */
  readonly router: Router;
  /** Set on embedded mode's very first start only: print once. */
  readonly firstAdmin?: FirstAdminSecrets;
}

/**
 * A host's access control on its (migrated) database: the first admin (see `ensureFirstAdmin`),
 * the auth API's routes declared; the host declares its modules' routes as it builds them.
 */
export async function hostAccess(options: {
  readonly db: DatabaseHandle;
  readonly logger: Logger;
  readonly settings: AuthSettings;
  /** Host names accepted when AUTH_ALLOWED_HOSTS is unset. */
  readonly defaultAllowedHosts: readonly string[] | 'any';
  /** Embedded mode: create and return a first admin when there is no user. */
  readonly createFirstAdmin: boolean;
  readonly clock?: Clock;
}): Promise<HostAccess> {
  const { settings, logger } = options;
  const clock = options.clock ?? systemClock;
  const store = new AuthStore(options.db.db);
  const firstAdmin = await ensureFirstAdmin(store, { bootstrapToken: settings.AUTH_BOOTSTRAP_ADMIN_TOKEN, createIfNone: options.createFirstAdmin });
  if (!options.createFirstAdmin && !settings.AUTH_BOOTSTRAP_ADMIN_TOKEN && (await store.countUsers()) === 0) {
    logger.warn('no user can call the API yet: set AUTH_BOOTSTRAP_ADMIN_TOKEN or create one with premonitor-auth (libs/auth/README.md)');
  }
  const access = new AccessControl({
    store,
    db: options.db.db,
    logger,
    clock,
    anonymousRead: settings.AUTH_ANONYMOUS_READ,
    allowedHosts: settings.AUTH_ALLOWED_HOSTS ?? options.defaultAllowedHosts,
    rateLimitPerMinute: settings.AUTH_RATE_LIMIT_PER_MINUTE,
    loginAttempts: settings.AUTH_LOGIN_ATTEMPTS,
    oidc: oidcVerifier(settings),
  });
  access.declare(AUTH_ROUTES);
  return { access, store, router: createAuthApi(store, access, clock), ...(firstAdmin ? { firstAdmin } : {}) };
}

/** The identity provider's verifier when AUTH_OIDC_JWKS_URL is set (issuer, audience and role map required with it). */
function oidcVerifier(s: AuthSettings): OidcVerifier | undefined {
  if (!s.AUTH_OIDC_JWKS_URL) return undefined;
  if (!s.AUTH_OIDC_ISSUER || !s.AUTH_OIDC_AUDIENCE || !s.AUTH_OIDC_ROLE_MAP) {
    throw new Error('AUTH_OIDC_JWKS_URL is set: AUTH_OIDC_ISSUER, AUTH_OIDC_AUDIENCE and AUTH_OIDC_ROLE_MAP must be set too (libs/auth/README.md)');
  }
  return new OidcVerifier({
    jwksUrl: s.AUTH_OIDC_JWKS_URL,
    issuer: s.AUTH_OIDC_ISSUER,
    audience: s.AUTH_OIDC_AUDIENCE,
    roleClaim: s.AUTH_OIDC_ROLE_CLAIM ?? 'roles',
    roleMap: s.AUTH_OIDC_ROLE_MAP,
    sitesClaim: s.AUTH_OIDC_SITES_CLAIM,
    nameClaim: s.AUTH_OIDC_NAME_CLAIM ?? 'sub',
    clockToleranceSeconds: s.AUTH_OIDC_CLOCK_TOLERANCE_SECONDS ?? 30,
  });
}

/** Embedded mode's default Host allowlist: loopback names and the address it listens on. */
export function loopbackHosts(httpHost: string): string[] {
  const hosts = ['localhost', '127.0.0.1', '[::1]'];
  const own = httpHost.includes(':') ? `[${httpHost.toLowerCase()}]` : httpHost.toLowerCase();
  if (!['0.0.0.0', '[::]'].includes(own) && !hosts.includes(own)) hosts.push(own);
  return hosts;
}
