import type { Router } from 'express';
import { RouteTable, isPermission, type RouteDeclaration } from '@premonitor/http';

/** A route a component's routers actually serve, read from Express's routing table. */
export interface ServedRoute {
  readonly method: string;
  readonly path: string;
}

/** A module serves a route it did not declare, or declares one without a valid permission: it must not start. */
export class UndeclaredRouteError extends Error {
  override readonly name = 'UndeclaredRouteError';
  constructor(
    readonly module: string,
    readonly problems: readonly string[],
  ) {
    super(`module ${module} cannot start: ${problems.join('; ')} (every route declares its permission in the module's routes, docs/ARCHITECTURE.md)`);
  }
}

interface Layer {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Readonly<Record<string, boolean>> };
  readonly handle?: { readonly stack?: readonly Layer[] };
}

/**
 * Every (method, full path) the routers serve. Express keeps no public list, so this walks the
 * routers' layer stacks (`router.stack`, stable across Express 5); a nested router mounted
 * with `use(path, router)` contributes its routes under its path.
 */
export function servedRoutes(routers: readonly { readonly path: string; readonly router: Router }[]): ServedRoute[] {
  const served: ServedRoute[] = [];
  const walk = (prefix: string, stack: readonly Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          const full = typeof path === 'string' ? join(prefix, path) : `${prefix}/<${String(path)}>`;
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') served.push({ method: method.toUpperCase(), path: full });
        }
      } else if (layer.handle?.stack) {
        walk(typeof layer.rawPath === 'string' ? join(prefix, layer.rawPath) : prefix, layer.handle.stack);
      }
    }
  };
  for (const { path, router } of routers) walk(path, (router as unknown as { stack: Layer[] }).stack);
  return served;
}

function join(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/**
 * Refuses a module whose routers serve a route its declarations do not cover, or whose
 * declarations lack a well-formed permission: such a route would escape access control.
 */
export function assertRoutesDeclared(module: string, declared: readonly RouteDeclaration[], routers: readonly { readonly path: string; readonly router: Router }[]): void {
  const problems: string[] = [];
  for (const route of declared) {
    if (!isPermission(route.permission)) problems.push(`${route.method} ${route.path} has no valid permission (${JSON.stringify(route.permission)})`);
  }
  const table = new RouteTable(declared);
  for (const served of servedRoutes(routers)) {
    // HEAD is answered by GET routes; Express lists it only when a route declares it explicitly.
    if (!table.match(served.method, served.path)) problems.push(`${served.method} ${served.path} is served but not declared`);
  }
  if (problems.length > 0) throw new UndeclaredRouteError(module, problems);
}
