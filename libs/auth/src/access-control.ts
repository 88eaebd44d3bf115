import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { HttpError, RouteTable, siteRuleOf, type Permission, type RouteDeclaration, type RouteMatch } from '@premonitor/http';
import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { Clock } from '@premonitor/time';
import type { AuthStore } from './auth-store.js';
import { ANONYMOUS, coversSite, type Principal } from './principal.js';
import { roleGrants, type Role } from './roles.js';
import { OidcVerifier } from './oidc-verifier.js';
import { resourceSite } from './resource-site.js';
import { hashToken, newToken } from './secrets.js';
import { SESSION_COOKIE, CSRF_HEADER, readCookie } from './session-cookie.js';

/** The settings of {@link AccessControl} (`authConfigShape` in @premonitor/config parses them). */
export interface AccessControlOptions {
  readonly store: AuthStore;
  /** The host's database, where the rows of site resources (alerts, dead letters) are looked up. */
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Reads without a credential act as a viewer of every site. */
  readonly anonymousRead: boolean;
  /** Host header names accepted (without port), lower case; `any` turns the check off (behind an ingress that checks). */
  readonly allowedHosts: readonly string[] | 'any';
  /** Requests per minute and credential (or address, without one). */
  readonly rateLimitPerMinute: number;
  /** Failed logins per 15 minutes and address+name before logins are refused. */
  readonly loginAttempts: number;
  /** Bearer JWTs of the plant's identity provider, when configured. */
  readonly oidc?: OidcVerifier | undefined;
}

/**
 * The permission of routes anyone may call without a credential: logging in, the API
 * description, and model artifacts (devices authenticate to the broker, not to HTTP; the
 * artifact's URL reaches a device only in its signed announcement, and the device checks the hash).
 */
export const PUBLIC: Permission = 'read:public';

/** Paths every host serves to anyone (probes and Prometheus). */
const OPEN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Content types a browser sends cross-origin without a preflight; no route here takes them. */
const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * The host's one access control: security headers and a Host allowlist in front of
 * everything, then for every API request the credential (bearer token, session cookie with
 * CSRF token, or anonymous read), the declared route's permission, the site scope, a rate limit
 * per credential and an audit record of every change. A request matching no declared route is
 * answered 404: nothing a module serves escapes the route table.
 */
export class AccessControl {
  readonly #o: AccessControlOptions;
  #table = new RouteTable([]);
  /** Credentials that live in this process only (the platform reading its own API). */
  readonly #internal = new Map<string, Principal>();

  constructor(options: AccessControlOptions) {
    this.#o = options;
  }

  /** Adds declared routes to the table (the host's modules, the auth API). */
  declare(routes: readonly RouteDeclaration[]): void {
    this.#table = new RouteTable([...this.#table.routes, ...routes]);
  }

  /** Every declared route. */
  get routes(): readonly RouteDeclaration[] {
    return this.#table.routes;
  }

  /** A credential valid in this process until it exits, never stored: for the host calling its own API. */
  internalToken(name: string, role: Role): string {
    const token = newToken();
    this.#internal.set(hashToken(token), { name, role, sites: null, via: 'internal' });
    return token;
  }

  /** Mounted before anything else, probes included: headers, Host allowlist, cross-origin refusal. */
  front(): RequestHandler[] {
    // No upgrade-insecure-requests: the embedded platform serves plain HTTP on a plant network.
    return [helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'upgrade-insecure-requests': null } } }), (req, _res, next) => next(this.#frontCheck(req))];
  }

  /** Mounted before the modules' routers: authentication, permission, site scope, CSRF, rate limit, audit. */
  guard(): RequestHandler[] {
    const limiter = rateLimit({
      windowMs: 60_000,
      limit: this.#o.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req, res) => limiterKey(req, res),
      handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', `more than ${this.#o.rateLimitPerMinute} requests a minute from this credential`)),
    });
    const authorize: RequestHandler = (req, res, next) => {
      this.#authorize(req, res).then(() => next(), next);
    };
    const limited: RequestHandler = (req, res, next) => (res.locals['principal'] ? limiter(req, res, next) : next());
    return [authorize, limited];
  }

  /** Login throttling: failed attempts per address and name (successes do not count). */
  loginThrottle(): RequestHandler {
    return rateLimit({
      windowMs: 15 * 60_000,
      limit: this.#o.loginAttempts,
      skipSuccessfulRequests: true,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String((req.body as { name?: unknown } | undefined)?.name ?? '')}`,
      handler: (_req, _res, next) => next(new HttpError(429, 'login_throttled', 'too many failed logins; wait 15 minutes')),
    });
  }

  #frontCheck(req: Request): HttpError | undefined {
    const { allowedHosts } = this.#o;
    if (allowedHosts !== 'any') {
      const host = hostName(req.headers.host ?? '');
      if (!allowedHosts.includes(host)) return new HttpError(421, 'host_not_allowed', `Host '${host}' is not served here (AUTH_ALLOWED_HOSTS)`);
    }
    if (!SAFE_METHODS.has(req.method)) {
      const site = req.headers['sec-fetch-site'];
      const origin = req.headers.origin;
      if (site === 'cross-site' || site === 'same-site' || (origin !== undefined && origin !== 'null' && hostOf(origin) !== (req.headers.host ?? '').toLowerCase()) || origin === 'null') {
        return new HttpError(403, 'cross_origin', 'cross-origin requests that change state are refused');
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      // An upload (multipart) is taken when it carries a header no page of another origin can
      // add without a CORS preflight this server never grants: the session's CSRF token or a bearer.
      const uploadWithProof = type === 'multipart/form-data' && (req.headers[CSRF_HEADER] !== undefined || req.headers.authorization !== undefined);
      if (SIMPLE_TYPES.has(type) && !uploadWithProof) return new HttpError(415, 'unsupported_media_type', `${type} is refused for requests that change state (a browser sends it cross-origin unasked); send application/json, or a multipart upload with ${CSRF_HEADER} or a bearer token`);
    }
    return undefined;
  }

  /** Resolves when the request may proceed to the routers; rejects with an HttpError otherwise. */
  async #authorize(req: Request, res: Response): Promise<void> {
    if (OPEN_PATHS.has(req.path)) return;
    const match = this.#table.match(req.method === 'HEAD' ? 'GET' : req.method, req.path);
    if (!match) throw new HttpError(404, 'not_found', 'no such route');
    if (match.route.permission === PUBLIC) return;
    const principal = await this.#authenticate(req, match);
    res.locals['principal'] = principal;
    res.locals['actor'] = principal.name;
    if (!SAFE_METHODS.has(req.method)) this.#auditOnFinish(req, res, match, principal);
    const { permission } = match.route;
    if (!roleGrants(principal.role, permission)) throw new HttpError(403, 'forbidden', `${permission} needs a role above ${principal.role}`);
    await this.#checkSite(req, match, principal);
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method)) checkCsrf(req, principal);
  }

  async #authenticate(req: Request, match: RouteMatch): Promise<Principal> {
    const now = new Date(this.#o.clock.now());
    const header = req.headers.authorization;
    if (header !== undefined) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!bearer) throw unauthorized('Authorization must be "Bearer <token>"');
      const { oidc } = this.#o;
      if (oidc && OidcVerifier.looksLikeJwt(bearer)) {
        return oidc.verify(bearer, now).catch((err: unknown) => {
          throw unauthorized(`the identity provider's token was refused: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
      const principal = this.#internal.get(hashToken(bearer)) ?? (await this.#o.store.principal(bearer, 'api', now));
      if (!principal) throw unauthorized('the token is unknown, expired or revoked');
      return principal;
    }
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session) {
      const principal = await this.#o.store.principal(session, 'session', now);
      if (!principal) throw unauthorized('the session expired or was ended; log in again');
      return principal;
    }
    if (this.#o.anonymousRead && match.route.permission.startsWith('read:') && req.method === 'GET') return ANONYMOUS;
    throw unauthorized('log in (POST /api/v1/auth/login) or send "Authorization: Bearer <token>"');
  }

  /**
   * A credential limited to sites acts only within them, by the route's site rule (`SiteRule`
   * in @premonitor/http): the `:site` it names, the `?site=` it filters by, or the site of the
   * row its `:id` names (404 when that is another site's, as for a missing row). Routes over the
   * whole fleet, and routes that declare no rule, are refused to it.
   */
  async #checkSite(req: Request, match: RouteMatch, principal: Principal): Promise<void> {
    if (principal.sites === null) return;
    const rule = siteRuleOf(match.route);
    const scope = `this credential is limited to sites ${principal.sites.join(', ')}`;
    if (rule === 'self') return;
    if (rule === 'path' || rule === 'query') {
      const site = rule === 'path' ? match.params['site'] : typeof req.query['site'] === 'string' ? req.query['site'] : undefined;
      if (site === undefined) throw new HttpError(403, 'site_scope', `${scope}: name one (?site=)`);
      if (!coversSite(principal, site)) throw new HttpError(403, 'site_scope', `this credential is not allowed on site ${site}`);
      return;
    }
    if (rule === undefined || rule === 'fleet') throw new HttpError(403, 'site_scope', `${scope}: this route acts on the whole fleet`);
    const site = await resourceSite(this.#o.db, rule, match.params['id']);
    if (site === undefined || !coversSite(principal, site)) throw new HttpError(404, 'not_found', `no ${rule.table} row ${match.params['id'] ?? ''} on this credential's sites`);
  }

  #auditOnFinish(req: Request, res: Response, match: RouteMatch, principal: Principal): void {
    const action = `${req.method} ${match.route.path}`;
    const target = req.originalUrl.split('?')[0] ?? req.path;
    res.once('finish', () => {
      this.#o.store
        .audit({ actor: principal.name, action, target, status: res.statusCode, remoteAddr: req.ip, detail: { via: principal.via, permission: match.route.permission, ...auditDetail(res) } })
        .catch((err: unknown) => this.#o.logger.error({ err, action, target }, 'audit event not recorded'));
    });
  }
}

/**
 * What a handler adds to its request's audit record (`res.locals.auditDetail`, an object), e.g.
 * that a promotion was forced: the method and path alone cannot say it.
 */
function auditDetail(res: Response): Record<string, unknown> {
  const detail: unknown = res.locals['auditDetail'];
  return typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? (detail as Record<string, unknown>) : {};
}

function checkCsrf(req: Request, principal: Principal): void {
  const sent = req.headers[CSRF_HEADER];
  const expected = principal.csrfHash;
  const ok = typeof sent === 'string' && expected !== undefined && timingSafeEqual(Buffer.from(hashToken(sent)), Buffer.from(expected));
  if (!ok) throw new HttpError(403, 'csrf', `a session request that changes state needs the ${CSRF_HEADER} header from the login answer`);
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message);
}

function limiterKey(req: Request, res: Response): string {
  const principal = res.locals['principal'] as Principal | undefined;
  if (principal?.credentialId !== undefined) return `credential:${principal.credentialId}`;
  if (principal && principal.via !== 'anonymous') return `${principal.via}:${principal.name}`;
  return `address:${ipKeyGenerator(req.ip ?? '')}`;
}

/** `host[:port]` → host, lower case; IPv6 keeps its brackets. */
function hostName(host: string): string {
  const h = host.toLowerCase();
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d+$/, '');
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}

/** For handlers: the request's principal (set by {@link AccessControl.guard}). */
export function principalOf(res: Response): Principal {
  const principal = res.locals['principal'] as Principal | undefined;
  if (!principal) throw new HttpError(401, 'unauthorized', 'no credential');
  return principal;
}
