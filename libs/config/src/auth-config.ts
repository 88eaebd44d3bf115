import { z } from 'zod';
import { envBool, envInt, envUrl } from './env-types.js';

/**
 * Access control of a host's HTTP API (libs/auth), read by every host: the embedded platform
 * and each distributed service. Users, tokens and sessions live in the database.
 */
export const authConfigShape = {
  /** GET routes answer without a credential, as a viewer of every site (a kiosk on a closed network). */
  AUTH_ANONYMOUS_READ: envBool(false),
  /**
   * Host header names served, comma-separated (a DNS-rebinding page gets another name); `*`
   * accepts any (behind an ingress that checks). Default: embedded mode localhost, 127.0.0.1,
   * [::1] and HTTP_HOST; distributed mode any.
   */
  AUTH_ALLOWED_HOSTS: z
    .string()
    .transform((v) => (v.trim() === '*' ? ('any' as const) : v.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0)))
    .optional(),
  /** Requests per minute per credential (per address without one). */
  AUTH_RATE_LIMIT_PER_MINUTE: envInt(1_200, 1, 1_000_000),
  /** Failed logins per 15 minutes per address and name before further logins are refused. */
  AUTH_LOGIN_ATTEMPTS: envInt(10, 1, 10_000),
  /**
   * An admin API token the operator chose (a deployment secret, ≥ 32 characters): on start the
   * user `admin` is created if missing and this token registered for it (stored hashed). The way
   * distributed mode gets its first admin; in embedded mode it replaces the printed one.
   */
  AUTH_BOOTSTRAP_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Optional: bearer JWTs from the plant's identity provider (OIDC), verified against its JWKS.
   * Needs AUTH_OIDC_ISSUER, AUTH_OIDC_AUDIENCE and AUTH_OIDC_ROLE_MAP.
   */
  AUTH_OIDC_JWKS_URL: envUrl(['https', 'http']).optional(),
  AUTH_OIDC_ISSUER: z.string().min(1).optional(),
  AUTH_OIDC_AUDIENCE: z.string().min(1).optional(),
  /** The claim with the user's groups or roles (default `roles`). */
  AUTH_OIDC_ROLE_CLAIM: z.string().min(1).optional(),
  /** JSON: claim value → viewer|operator|admin, e.g. `{"plant-ops":"operator"}`; the highest wins. */
  AUTH_OIDC_ROLE_MAP: z
    .string()
    .transform((text, ctx) => {
      try {
        return roleMap.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of claim value → viewer|operator|admin' });
        return z.NEVER;
      }
    })
    .optional(),
  /** A claim listing the sites the user is limited to (unset: every site). */
  AUTH_OIDC_SITES_CLAIM: z.string().min(1).optional(),
  /** The claim naming the actor (default `sub`, the provider's stable id; a display name can be reused). */
  AUTH_OIDC_NAME_CLAIM: z.string().min(1).optional(),
  /** Seconds of clock difference with the provider allowed on `exp`, `nbf` and `iat`. */
  AUTH_OIDC_CLOCK_TOLERANCE_SECONDS: envInt(30, 0, 600),
};

const roleMap = z.record(z.string(), z.enum(['viewer', 'operator', 'admin']));
