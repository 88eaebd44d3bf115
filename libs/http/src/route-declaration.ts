import type { ZodType } from 'zod';

/**
 * What an HTTP route needs from its caller: `read:` lists and reads, `write:` changes operating
 * state (acknowledging an alert, uploading a frame to score, enrolling a baseline), `admin:`
 * changes what the system is (models, rules, users, tokens, notification replays).
 */
export type Permission = `${'read' | 'write' | 'admin'}:${string}`;

/** How a route is called, for the OpenAPI document: the zod schemas its handler validates with. */
export interface RouteDocs {
  /** One line: what the route does. */
  readonly summary: string;
  /** The `req.query` schema (strings in, as a query string carries them). */
  readonly query?: ZodType;
  /** The JSON body schema (`application/json`). */
  readonly body?: ZodType;
  /** Other request body media types the route takes instead of JSON (uploads), with a word each. */
  readonly uploads?: Readonly<Record<string, string>>;
  /** An example request body for the main flows. */
  readonly example?: unknown;
}

/** One HTTP route a module serves, with the permission it needs (docs/ARCHITECTURE.md, routes). */
export interface RouteDeclaration {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Full path as a client calls it, `:name` for a parameter. */
  readonly path: string;
  readonly permission: Permission;
  /**
   * The handler limits its answer to the sites named by `?site=` (a list): a credential limited
   * to sites may call it naming one of them. Without it, such a credential may call only routes
   * with a `:site` parameter.
   */
  readonly siteFilter?: true;
  /**
   * How a credential limited to sites is kept to them on a route with neither `:site` nor
   * `siteFilter` (see {@link SiteRule}). A route with no rule at all is refused to such a
   * credential, and `test/route-permissions.test.ts` fails on it.
   */
  readonly site?: 'fleet' | 'self' | SiteResource;
  /** Summary and input schemas for `/openapi.json`. */
  readonly docs?: RouteDocs;
}

/** The route's `:id` names a row of `table` (a bigint `id`), whose `site` column is its site. */
export interface SiteResource {
  readonly table: string;
}

/**
 * How a route keeps a credential limited to sites within them:
 * - `path`: its `:site` parameter names the site;
 * - `query`: the handler lists only the site named by `?site=` (`siteFilter`), which must be one of them;
 * - a {@link SiteResource}: access control loads the row's site; a row of another site is
 *   answered 404 exactly like a missing one, so its existence does not leak;
 * - `fleet`: it acts on what belongs to no single site (models, users, tokens, retraining runs,
 *   fleet-wide lists): refused (403) to a credential limited to sites;
 * - `self`: it concerns the caller's own credential (who am I, log out): any credential.
 */
export type SiteRule = 'path' | 'query' | 'fleet' | 'self' | SiteResource;

/** The route's declared site rule; undefined when it declares none (and is not public). */
export function siteRuleOf(route: RouteDeclaration): SiteRule | undefined {
  if (route.site !== undefined) return route.site;
  if (/\/:site(\/|$)/.test(route.path)) return 'path';
  if (route.siteFilter) return 'query';
  return undefined;
}

const PERMISSION = /^(read|write|admin):[a-z][a-z0-9-]*$/;

/** True when `value` is a well-formed permission (a JavaScript module can declare anything). */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && PERMISSION.test(value);
}

/** A declared route matched against a request path: the route and its path parameters. */
export interface RouteMatch {
  readonly route: RouteDeclaration;
  readonly params: Readonly<Record<string, string>>;
}

/** Splits a path into segments, ignoring a trailing slash. */
function segments(path: string): string[] {
  return path.replace(/\/+$/, '').split('/').slice(1);
}

/**
 * The declared routes as a lookup from (method, path) to the most specific declaration: a
 * literal segment wins over a parameter, so `/models/:kind` does not shadow `/models/current`.
 */
export class RouteTable {
  readonly #compiled: { readonly route: RouteDeclaration; readonly parts: readonly string[]; readonly literals: number }[];

  constructor(readonly routes: readonly RouteDeclaration[]) {
    this.#compiled = routes.map((route) => {
      const parts = segments(route.path);
      return { route, parts, literals: parts.filter((p) => !p.startsWith(':')).length };
    });
  }

  /** The declaration serving `method path` (path without query, still percent-encoded), or undefined. */
  match(method: string, path: string): RouteMatch | undefined {
    const wanted = segments(path);
    let best: { match: RouteMatch; literals: number } | undefined;
    for (const { route, parts, literals } of this.#compiled) {
      if (route.method !== method || parts.length !== wanted.length) continue;
      const params: Record<string, string> = {};
      const ok = parts.every((part, i) => {
        const value = wanted[i]!;
        if (part.startsWith(':')) {
          if (value === '') return false;
          params[part.slice(1)] = safeDecode(value);
          return true;
        }
        return part === value;
      });
      if (ok && (!best || literals > best.literals)) best = { match: { route, params }, literals };
    }
    return best?.match;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
