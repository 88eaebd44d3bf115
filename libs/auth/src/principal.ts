import type { Role } from './roles.js';

/** Who a request acts as, once its credential was checked. */
export interface Principal {
  /** The user's name: the actor recorded on every change. */
  readonly name: string;
  readonly role: Role;
  /** Sites it may see and act on; null = every site. */
  readonly sites: readonly string[] | null;
  /** How it authenticated. */
  readonly via: 'token' | 'session' | 'internal' | 'anonymous';
  /** The credential's row (tokens and sessions), for revocation and rate limits. */
  readonly credentialId?: number;
  /** SHA-256 of the session's CSRF token (sessions only). */
  readonly csrfHash?: string;
}

/** The anonymous reader, when the operator configured anonymous read. */
export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous', role: 'viewer', sites: null, via: 'anonymous' });

/** True when the principal may act on `site`. */
export function coversSite(principal: Principal, site: string): boolean {
  return principal.sites === null || principal.sites.includes(site);
}
