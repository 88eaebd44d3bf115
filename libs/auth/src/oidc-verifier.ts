import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Principal } from './principal.js';
import { ROLES, type Role } from './roles.js';

/** Where the identity provider's keys are and how its claims map to roles and sites. */
export interface OidcSettings {
  /** The provider's JWKS URL (its signing keys; fetched and cached by `jose`). */
  readonly jwksUrl: string;
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud`. */
  readonly audience: string;
  /** The claim holding the user's groups or roles (a string or an array of strings). */
  readonly roleClaim: string;
  /** Claim value → role; the highest role any value maps to wins. A token mapping to none is refused. */
  readonly roleMap: Readonly<Record<string, Role>>;
  /** A claim holding the sites the user is limited to (array of strings); unset, or absent from a token = every site. */
  readonly sitesClaim?: string | undefined;
  /** The claim that names the actor (`sub` by default); a token without it is refused. */
  readonly nameClaim: string;
  /** Clock difference with the provider allowed on `exp`, `nbf`, `iat`. */
  readonly clockToleranceSeconds: number;
}

/**
 * Signature algorithms accepted: the provider's asymmetric keys only (`none` and HMAC, whose
 * secret a JWKS never carries, are refused before any key is looked at).
 */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A JWT that verified but maps to no role: the provider knows the user, this system does not. */
export class UnmappedRoleError extends Error {
  override readonly name = 'UnmappedRoleError';
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies bearer JWTs from the plant's identity provider (signature against its JWKS, issuer,
 * audience, expiry — all by `jose`) and maps their claims to a principal. Tokens this system
 * issued (`pm_…`) never reach it.
 */
export class OidcVerifier {
  readonly #keys: JWTVerifyGetKey;

  constructor(private readonly settings: OidcSettings) {
    this.#keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  /** True when `token` has a JWT's shape (three base64url parts). */
  static looksLikeJwt(token: string): boolean {
    return JWT_SHAPE.test(token);
  }

  /** The principal of a valid token; rejects (the caller answers 401) when it does not verify, or maps to no role. */
  async verify(token: string, now: Date): Promise<Principal> {
    const { payload } = await jwtVerify(token, this.#keys, {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      algorithms: ALGORITHMS,
      clockTolerance: this.settings.clockToleranceSeconds,
      currentDate: now,
      // jose accepts a token without `exp` as never expiring: an identity provider always sets it.
      requiredClaims: ['exp'],
    });
    const values = asStrings(payload[this.settings.roleClaim]);
    const mapped = values.map((v) => this.settings.roleMap[v]).filter((r): r is Role => r !== undefined);
    if (mapped.length === 0) throw new UnmappedRoleError(`no value of claim '${this.settings.roleClaim}' maps to a role`);
    const role = ROLES[Math.max(...mapped.map((r) => ROLES.indexOf(r)))]!;
    const name = asStrings(payload[this.settings.nameClaim])[0];
    if (!name) throw new UnmappedRoleError(`the token names nobody (no '${this.settings.nameClaim}' claim)`);
    // A token without the claim is not limited (plant-wide staff); one with it, to the sites it lists.
    const claim = this.settings.sitesClaim ? payload[this.settings.sitesClaim] : undefined;
    const sites = claim === undefined ? null : asStrings(claim);
    return { name: `oidc:${name}`, role, sites, via: 'token' };
  }
}

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
