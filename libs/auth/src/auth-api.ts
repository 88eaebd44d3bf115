import express, { Router } from 'express';
import { z } from 'zod';
import { isUniqueViolation } from '@premonitor/db';
import { HttpError, queryLimit, validateInput, type RouteDeclaration } from '@premonitor/http';
import type { Clock } from '@premonitor/time';
import type { AccessControl } from './access-control.js';
import { PUBLIC, principalOf } from './access-control.js';
import { CredentialError, type AuthStore } from './auth-store.js';
import { ROLES } from './roles.js';
import { SESSION_COOKIE, clearSessionCookie, readCookie, setSessionCookie } from './session-cookie.js';

/** Browser sessions last this long; log in again after. */
export const SESSION_TTL_MS = 12 * 3_600_000;

const siteId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}');
const userName = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1–64 letters, digits or . _ @ -');

/** `POST /api/v1/auth/login`. */
export const loginBody = z.strictObject({ name: userName, password: z.string().min(1, 'must not be empty').max(1024) });
/** `POST /api/v1/auth/users`. */
export const newUserBody = z.strictObject({
  name: userName,
  role: z.enum(ROLES),
  sites: z.array(siteId).min(1).optional(),
  password: z.string().min(12, 'must be at least 12 characters').max(1024).optional(),
});
/** `POST /api/v1/auth/tokens`: a token for `user` (default: the caller), at most their role and sites. */
export const newTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(128),
  user: userName.optional(),
  role: z.enum(ROLES).optional(),
  sites: z.array(siteId).min(1).optional(),
  expiresInDays: z.number().int().min(1).max(3_650).optional(),
});
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a positive integer').transform(Number) });
/** `GET /api/v1/audit`. */
export const auditQuery = z.strictObject({ limit: queryLimit(1_000, 100), cursor: z.string().regex(/^\d{1,18}$/).transform(Number).optional() });

/** The auth API's routes with the permission each needs. */
export const AUTH_ROUTES: readonly RouteDeclaration[] = Object.freeze([
  { method: 'POST', path: '/api/v1/auth/login', permission: PUBLIC, docs: { summary: 'Log in: sets the session cookie, answers the CSRF token', body: loginBody, example: { name: 'admin', password: '…' } } },
  // Every role reads and ends its own session.
  { method: 'GET', path: '/api/v1/auth/me', permission: 'read:self', site: 'self', docs: { summary: 'Who the credential is: name, role, sites' } },
  { method: 'POST', path: '/api/v1/auth/logout', permission: 'read:self', site: 'self', docs: { summary: 'End the session (no body)' } },
  { method: 'GET', path: '/api/v1/auth/users', permission: 'admin:users', site: 'fleet', docs: { summary: 'Users' } },
  { method: 'POST', path: '/api/v1/auth/users', permission: 'admin:users', site: 'fleet', docs: { summary: 'Create a user', body: newUserBody, example: { name: 'ann', role: 'operator', sites: ['plant-a'], password: 'a long passphrase' } } },
  { method: 'GET', path: '/api/v1/auth/tokens', permission: 'admin:tokens', site: 'fleet', docs: { summary: 'API tokens (never their values)' } },
  { method: 'POST', path: '/api/v1/auth/tokens', permission: 'admin:tokens', site: 'fleet', docs: { summary: 'Issue an API token: its value is in this answer only', body: newTokenBody, example: { name: 'scada', user: 'ann', role: 'viewer', expiresInDays: 90 } } },
  { method: 'POST', path: '/api/v1/auth/tokens/:id/revoke', permission: 'admin:tokens', site: 'fleet', docs: { summary: 'Revoke an API token (no body)' } },
  { method: 'GET', path: '/api/v1/audit', permission: 'read:audit', site: 'fleet', docs: { summary: 'Who changed what, when, from where; newest first, paged', query: auditQuery } },
]);

/**
 * Log in and out, who am I, users, tokens and the audit log. Mounted at `/`; the host's
 * access control has already authenticated and authorized each request but the login.
 */
export function createAuthApi(store: AuthStore, access: AccessControl, clock: Clock): Router {
  const router = Router();
  router.use(['/api/v1/auth'], express.json({ limit: '8kb' }));

  router.post('/api/v1/auth/login', access.loginThrottle(), async (req, res) => {
    const body = validateInput(loginBody, req.body ?? {});
    const user = await store.checkPassword(body.name, body.password);
    await store.audit({ actor: body.name, action: 'login', target: '/api/v1/auth/login', status: user ? 200 : 401, remoteAddr: req.ip });
    if (!user) throw new HttpError(401, 'unauthorized', 'wrong name or password');
    const { token, csrf } = await store.issue({ user: user.name, name: 'browser session', kind: 'session', expiresAt: new Date(clock.now() + SESSION_TTL_MS) });
    setSessionCookie(req, res, token, SESSION_TTL_MS);
    res.json({ user: { name: user.name, role: user.role, sites: user.sites }, csrfToken: csrf });
  });

  router.post('/api/v1/auth/logout', async (req, res) => {
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session) await store.revokeSession(session, new Date(clock.now()));
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.get('/api/v1/auth/me', (_req, res) => {
    const p = principalOf(res);
    res.json({ name: p.name, role: p.role, sites: p.sites, via: p.via });
  });

  router.get('/api/v1/auth/users', async (_req, res) => {
    res.json({ items: await store.listUsers() });
  });

  router.post('/api/v1/auth/users', async (req, res) => {
    const body = validateInput(newUserBody, req.body ?? {});
    try {
      res.status(201).json(await store.createUser(body));
    } catch (err) {
      if (isUniqueViolation(err)) throw new HttpError(409, 'exists', `a user named ${body.name} exists`);
      throw err;
    }
  });

  router.get('/api/v1/auth/tokens', async (_req, res) => {
    res.json({ items: await store.listTokens() });
  });

  router.post('/api/v1/auth/tokens', async (req, res) => {
    const body = validateInput(newTokenBody, req.body ?? {});
    const user = body.user ?? principalOf(res).name;
    try {
      const expiresAt = body.expiresInDays ? new Date(clock.now() + body.expiresInDays * 86_400_000) : null;
      const { token, view } = await store.issue({ user, name: body.name, kind: 'api', ...(body.role ? { role: body.role } : {}), ...(body.sites ? { sites: body.sites } : {}), expiresAt });
      // The only time the token is shown.
      res.status(201).json({ token, ...view });
    } catch (err) {
      if (err instanceof CredentialError) throw new HttpError(400, 'invalid_request', err.message);
      throw err;
    }
  });

  router.post('/api/v1/auth/tokens/:id/revoke', async (req, res) => {
    const { id } = validateInput(idParam, req.params);
    if (!(await store.revoke(id, new Date(clock.now())))) throw new HttpError(404, 'not_found', `no active token ${id}`);
    res.status(204).end();
  });

  router.get('/api/v1/audit', async (req, res) => {
    const q = validateInput(auditQuery, req.query);
    const items = await store.auditEvents({ limit: q.limit + 1, beforeId: q.cursor });
    const page = items.slice(0, q.limit);
    res.json({ items: page, next: items.length > q.limit ? (page.at(-1)?.id ?? null) : null });
  });

  return router;
}
