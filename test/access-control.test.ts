// The host's access control (libs/auth) in front of a module's routes, on a real database:
// credentials, roles, site scope, sessions with CSRF, cross-origin and Host checks, rate limits,
// login throttling, the audit trail and the first admin.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import { AUTH_SCHEMA, ensureFirstAdmin, hostAccess, type AuthSettings, type AuthStore } from '@premonitor/auth';
import { migrate, openDatabase, type DatabaseHandle } from '@premonitor/db';
import { HttpServer, createRegistry, requestActor, type RouteDeclaration } from '@premonitor/http';
import { createLogger } from '@premonitor/log';
import { ManualClock } from '@premonitor/time';
import { pgliteTemplate } from './support/pglite-template.js';

const logger = createLogger({ service: 'access-test', level: 'silent' });

/** A module's routes: reads and writes of a site's things, an operator's and an admin's action. */
const ROUTES: readonly RouteDeclaration[] = [
  { method: 'GET', path: '/api/v1/things', permission: 'read:things', siteFilter: true },
  { method: 'GET', path: '/api/v1/everything', permission: 'read:things' },
  { method: 'GET', path: '/api/v1/sites/:site/things', permission: 'read:things' },
  { method: 'POST', path: '/api/v1/sites/:site/things', permission: 'write:things' },
  { method: 'POST', path: '/api/v1/sites/:site/baseline/reset', permission: 'admin:baselines' },
  { method: 'POST', path: '/api/v1/models/promote', permission: 'admin:models' },
];

function moduleRouter(): Router {
  const router = Router();
  router.use(express.json());
  const answer = (_req: express.Request, res: express.Response) => void res.json({ actor: requestActor(res) ?? null });
  router.get('/things', answer);
  router.get('/everything', answer);
  router.get('/sites/:site/things', answer);
  router.post('/sites/:site/things', answer);
  router.post('/sites/:site/baseline/reset', answer);
  // Like model-sync's promote: the handler adds what the path cannot say to the audit record.
  router.post('/models/promote', (req, res) => {
    res.locals['auditDetail'] = { force: (req.body as { force?: boolean } | undefined)?.force ?? false };
    answer(req, res);
  });
  // Served but never declared: the guard must not let anyone reach it.
  router.get('/hidden', answer);
  return router;
}

const DEFAULTS: AuthSettings = { AUTH_ANONYMOUS_READ: false, AUTH_RATE_LIMIT_PER_MINUTE: 1_000, AUTH_LOGIN_ATTEMPTS: 100 };

describe('access control in front of a module', { timeout: 120_000 }, () => {
  let dir = '';
  let db: DatabaseHandle;
  const clock = new ManualClock(Date.now());
  const servers: HttpServer[] = [];
  const tokens: Record<string, string> = {};
  let store: AuthStore;
  let url = '';

  async function serve(settings: Partial<AuthSettings> = {}): Promise<{ url: string; store: AuthStore }> {
    const access = await hostAccess({ db, logger, settings: { ...DEFAULTS, ...settings }, defaultAllowedHosts: ['127.0.0.1', 'localhost'], createFirstAdmin: false, clock });
    access.access.declare(ROUTES);
    const http = new HttpServer({
      logger,
      registry: createRegistry('access-test', false),
      readiness: [],
      routers: [{ path: '/', router: access.router }, { path: '/api/v1', router: moduleRouter() }],
      portSetting: 'HTTP_PORT',
      access: { front: access.access.front(), guard: access.access.guard() },
    });
    servers.push(http);
    return { url: `http://127.0.0.1:${await http.start(0)}`, store: access.store };
  }

  const call = (path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; base?: string } = {}) =>
    fetch(`${init.base ?? url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-access-'));
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await migrate(db, { logger, schema: [AUTH_SCHEMA] });
    ({ url, store } = await serve());
    await store.createUser({ name: 'vera', role: 'viewer' });
    await store.createUser({ name: 'otto', role: 'operator', password: 'otto-password-long' });
    await store.createUser({ name: 'ada', role: 'admin' });
    await store.createUser({ name: 'sam', role: 'operator', sites: ['plant-a'] });
    for (const user of ['vera', 'otto', 'ada', 'sam']) tokens[user] = (await store.issue({ user, name: 'test', kind: 'api' })).token;
  });

  after(async () => {
    for (const s of servers) await s.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 401 without a valid credential, and 404 for a route nobody declared', async () => {
    assert.equal((await call('/api/v1/things')).status, 401);
    assert.equal((await call('/api/v1/things', { token: 'pm_not-a-token' })).status, 401);
    assert.equal((await call('/api/v1/things', { headers: { authorization: 'Basic abc' } })).status, 401);
    assert.equal((await call('/api/v1/hidden', { token: tokens['ada'] })).status, 404);
    assert.equal((await call('/healthz')).status, 200, 'probes need no credential');
  });

  it('grants each role its permissions: viewer reads, operator also writes and resets baselines, admin everything', async () => {
    const expect: Record<string, [number, number, number, number]> = { vera: [200, 403, 403, 403], otto: [200, 200, 200, 403], ada: [200, 200, 200, 200] };
    for (const [user, want] of Object.entries(expect)) {
      const token = tokens[user]!;
      const got = [
        (await call('/api/v1/sites/plant-a/things', { token })).status,
        (await call('/api/v1/sites/plant-a/things', { token, method: 'POST', body: {} })).status,
        (await call('/api/v1/sites/plant-a/baseline/reset', { token, method: 'POST' })).status,
        (await call('/api/v1/models/promote', { token, method: 'POST' })).status,
      ];
      assert.deepEqual(got, want, user);
    }
  });

  it('keeps a site-scoped credential to its sites, whether the site is in the path or the query', async () => {
    const token = tokens['sam']!;
    assert.equal((await call('/api/v1/sites/plant-a/things', { token, method: 'POST', body: {} })).status, 200);
    assert.equal((await call('/api/v1/sites/plant-b/things', { token })).status, 403);
    assert.equal((await call('/api/v1/things?site=plant-a', { token })).status, 200);
    assert.equal((await call('/api/v1/things?site=plant-b', { token })).status, 403);
    assert.equal((await call('/api/v1/things', { token })).status, 403, 'a scoped credential must name its site');
    assert.equal((await call('/api/v1/everything?site=plant-a', { token })).status, 403, '?site= counts only where the route filters by it');
    await assert.rejects(store.issue({ user: 'sam', name: 'wider', kind: 'api', sites: ['plant-b'] }), /limited to sites plant-a/);
  });

  it('takes the actor from the credential and records every change in audit_events', async () => {
    const since = (await db.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0;
    const res = await call('/api/v1/sites/plant-a/things', { token: tokens['otto'], method: 'POST', body: { actor: 'mallory' } });
    assert.deepEqual(await res.json(), { actor: 'otto' });
    await call('/api/v1/models/promote', { token: tokens['vera'], method: 'POST' });
    await call('/api/v1/models/promote', { token: tokens['ada'], method: 'POST', body: { force: true } });
    const rows = await waitForAudit(db, 3, Number(since));
    assert.deepEqual(
      rows.map((r) => [r.actor, r.action, r.target, r.status, r.remote_addr !== null]),
      [
        ['otto', 'POST /api/v1/sites/:site/things', '/api/v1/sites/plant-a/things', 200, true],
        ['vera', 'POST /api/v1/models/promote', '/api/v1/models/promote', 403, true],
        ['ada', 'POST /api/v1/models/promote', '/api/v1/models/promote', 200, true],
      ],
    );
    assert.equal((rows[2]!.detail as { force?: boolean }).force, true, 'a forced promotion says so in its audit record');
    assert.equal((rows[0]!.detail as { force?: boolean }).force, undefined, 'a handler that adds nothing adds nothing');
  });

  it('runs browser sessions: HttpOnly SameSite=Strict cookie, CSRF token for changes, logout ends it', async () => {
    assert.equal((await call('/api/v1/auth/login', { method: 'POST', body: { name: 'otto', password: 'wrong-password' } })).status, 401);
    const login = await call('/api/v1/auth/login', { method: 'POST', body: { name: 'otto', password: 'otto-password-long' } });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /pm_session=[^;]+;.*HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = setCookie.split(';')[0]!;
    assert.equal((await call('/api/v1/auth/me', { headers: { cookie } })).status, 200);
    assert.equal((await call('/api/v1/sites/plant-a/things', { method: 'POST', body: {}, headers: { cookie } })).status, 403, 'no CSRF token');
    assert.equal((await call('/api/v1/sites/plant-a/things', { method: 'POST', body: {}, headers: { cookie, 'x-csrf-token': 'pm_guess' } })).status, 403);
    assert.equal((await call('/api/v1/sites/plant-a/things', { method: 'POST', body: {}, headers: { cookie, 'x-csrf-token': csrfToken } })).status, 200);
    assert.equal((await call('/api/v1/auth/logout', { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } })).status, 204);
    assert.equal((await call('/api/v1/auth/me', { headers: { cookie } })).status, 401, 'the session ended');
  });

  it('refuses cross-origin changes, text/plain and form bodies, and Host names not allowed (DNS rebinding)', async () => {
    const token = tokens['ada'];
    assert.equal((await call('/api/v1/models/promote', { token, method: 'POST', headers: { origin: 'http://evil.example' } })).status, 403);
    assert.equal((await call('/api/v1/models/promote', { token, method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
    assert.equal((await call('/api/v1/models/promote', { token, method: 'POST', headers: { origin: url } })).status, 200, 'same origin');
    const plain = await fetch(`${url}/api/v1/models/promote`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(plain.status, 415);
    // A form a page of another origin could post (multipart, no proof) is refused; an upload carrying a bearer or the CSRF header passes on.
    const upload = (headers: Record<string, string>) => fetch(`${url}/api/v1/models/promote`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', ...headers }, body: '--x--\r\n' });
    assert.equal((await upload({})).status, 415, 'a bare multipart form');
    assert.equal((await upload({ authorization: `Bearer ${token}` })).status, 200, 'an upload with a bearer');
    // fetch sets Host itself; a DNS-rebinding page's requests carry the attacker's name.
    assert.equal(await statusWithHost(`${url}/healthz`, 'attacker.example'), 421);
    assert.equal(await statusWithHost(`${url}/healthz`, 'localhost:8787'), 200);
    assert.equal((await fetch(`${url}/healthz`)).headers.get('x-content-type-options'), 'nosniff', 'security headers');
  });

  it('refuses revoked and expired tokens', async () => {
    const revoked = await store.issue({ user: 'vera', name: 'soon revoked', kind: 'api' });
    assert.equal((await call('/api/v1/things', { token: revoked.token })).status, 200);
    assert.equal((await call(`/api/v1/auth/tokens/${revoked.view.id}/revoke`, { token: tokens['ada'], method: 'POST' })).status, 204);
    assert.equal((await call('/api/v1/things', { token: revoked.token })).status, 401);
    const expiring = await store.issue({ user: 'vera', name: 'a day', kind: 'api', expiresAt: new Date(clock.now() + 86_400_000) });
    assert.equal((await call('/api/v1/things', { token: expiring.token })).status, 200);
    clock.advance(86_400_000);
    assert.equal((await call('/api/v1/things', { token: expiring.token })).status, 401);
  });

  it('issues a token once through the API, stored hashed, never above its user', async () => {
    const res = await call('/api/v1/auth/tokens', { token: tokens['ada'], method: 'POST', body: { name: 'scada', user: 'vera', role: 'admin' } });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { token: string; role: string };
    assert.equal(body.role, 'viewer', 'lowered to the user role');
    assert.equal((await call('/api/v1/models/promote', { token: body.token, method: 'POST' })).status, 403);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from api_tokens where token_hash = ${body.token}`.execute(db.db);
    assert.equal(rows[0]!.n, 0, 'the value itself is not stored');
    const list = await (await call('/api/v1/auth/tokens', { token: tokens['ada'] })).json();
    assert.ok(!JSON.stringify(list).includes(body.token), 'listing never shows a token');
  });

  it('answers anonymous reads only when configured, and never anonymous changes', async () => {
    const open = await serve({ AUTH_ANONYMOUS_READ: true });
    // Every declared route, without a credential: reads answer (as a viewer of every site), changes of any permission 401.
    for (const route of ROUTES) {
      const path = route.path.replace(':site', 'plant-a');
      const want = route.method === 'GET' ? 200 : 401;
      assert.equal((await call(path, { base: open.url, method: route.method, ...(route.method === 'GET' ? {} : { body: {} }) })).status, want, `anonymous-read on: ${route.method} ${route.path}`);
      assert.equal((await call(path, { method: route.method, ...(route.method === 'GET' ? {} : { body: {} }) })).status, 401, `anonymous-read off (default): ${route.method} ${route.path}`);
    }
    assert.equal((await call('/api/v1/auth/users', { base: open.url })).status, 401, 'an admin read is no viewer read');
  });

  it('limits requests per credential and throttles failed logins', async () => {
    const limited = await serve({ AUTH_RATE_LIMIT_PER_MINUTE: 5, AUTH_LOGIN_ATTEMPTS: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('/api/v1/things', { base: limited.url, token: tokens['vera'] })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    assert.equal((await call('/api/v1/things', { base: limited.url, token: tokens['otto'] })).status, 200, 'another credential has its own budget');
    const login = (password: string) => call('/api/v1/auth/login', { base: limited.url, method: 'POST', body: { name: 'otto', password } }).then((r) => r.status);
    assert.deepEqual([await login('nope-1'), await login('nope-2'), await login('nope-3'), await login('otto-password-long')], [401, 401, 401, 429]);
  });

  it('creates a first admin once, keeping only hashes', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'pm-access-first-'));
    const other = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(fresh, 'pg') });
    try {
      await migrate(other, { logger, schema: [AUTH_SCHEMA] });
      const { AuthStore: Store } = await import('@premonitor/auth');
      const firstStore = new Store(other.db);
      const first = await ensureFirstAdmin(firstStore, { createIfNone: true });
      assert.ok(first && first.password.length >= 20 && first.token.startsWith('pm_'));
      assert.equal(await ensureFirstAdmin(firstStore, { createIfNone: true }), undefined, 'a restart creates nobody');
      const dump = JSON.stringify((await sql`select u.*, t.* from users u join api_tokens t on t.user_id = u.id`.execute(other.db)).rows);
      assert.ok(!dump.includes(first.password) && !dump.includes(first.token), 'no secret stored in clear');
      assert.ok(await firstStore.checkPassword('admin', first.password));
    } finally {
      await other.close();
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitForAudit(db: DatabaseHandle, n: number, afterId: number) {
  for (let i = 0; i < 100; i++) {
    const rows = await db.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').execute();
    if (rows.length >= n) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('audit events not recorded');
}

describe('bearer JWTs from an identity provider (OIDC)', { timeout: 60_000 }, () => {
  let dir = '';
  let db: DatabaseHandle;
  let jwks: Server;
  let http: HttpServer;
  let url = '';
  let sign: (claims: Record<string, unknown>, options?: { issuer?: string; audience?: string; expiresIn?: string; kid?: string; key?: Parameters<SignJWT['sign']>[0] }) => Promise<string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-oidc-'));
    db = await openDatabase({ kind: 'pglite', ...pgliteTemplate(), dataDir: join(dir, 'pg') });
    await migrate(db, { logger, schema: [AUTH_SCHEMA] });
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', () => resolve()));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
        .setIssuer(options.issuer ?? 'https://idp.plant.example')
        .setAudience(options.audience ?? 'premonitor')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key ?? privateKey);
    signWithOtherKey = (claims) => sign(claims, { key: other.privateKey });
    privateKeyOf = () => privateKey;
    const access = await hostAccess({
      db,
      logger,
      settings: {
        ...DEFAULTS,
        AUTH_OIDC_JWKS_URL: jwksUrl,
        AUTH_OIDC_ISSUER: 'https://idp.plant.example',
        AUTH_OIDC_AUDIENCE: 'premonitor',
        AUTH_OIDC_ROLE_CLAIM: 'groups',
        AUTH_OIDC_ROLE_MAP: { 'plant-ops': 'operator', 'plant-it': 'admin', everyone: 'viewer' },
        AUTH_OIDC_SITES_CLAIM: 'sites',
        AUTH_OIDC_CLOCK_TOLERANCE_SECONDS: 30,
      },
      defaultAllowedHosts: ['127.0.0.1'],
      createFirstAdmin: false,
    });
    access.access.declare(ROUTES);
    http = new HttpServer({
      logger,
      registry: createRegistry('oidc-test', false),
      readiness: [],
      routers: [{ path: '/api/v1', router: moduleRouter() }],
      portSetting: 'HTTP_PORT',
      access: { front: access.access.front(), guard: access.access.guard() },
    });
    url = `http://127.0.0.1:${await http.start(0)}`;
  });
  let signWithOtherKey: (claims: Record<string, unknown>) => Promise<string>;
  let privateKeyOf: () => Parameters<SignJWT['sign']>[0];

  after(async () => {
    await http.stop();
    await new Promise((resolve) => jwks.close(resolve));
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (token: string, path = '/api/v1/sites/plant-a/things') => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });

  it('maps the group claim to the highest role, names the actor by the token\'s subject (audited so) and keeps its sites', async () => {
    const since = (await db.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0;
    const ops = await sign({ sub: 'u1', preferred_username: 'olga', groups: ['everyone', 'plant-ops'] });
    const res = await post(ops);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { actor: 'oidc:u1' }, 'the stable subject, not a display name');
    assert.deepEqual((await waitForAudit(db, 1, Number(since))).map((r) => [r.actor, r.status, (r.detail as { via?: string }).via]), [['oidc:u1', 200, 'token']]);
    const viewer = await sign({ sub: 'u4', groups: 'everyone' });
    assert.equal((await fetch(`${url}/api/v1/sites/plant-a/things`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200, 'a viewer reads');
    assert.equal((await post(viewer)).status, 403, 'a viewer changes nothing');
    assert.equal((await post(ops, '/api/v1/models/promote')).status, 403, 'an operator is no admin');
    assert.equal((await post(await sign({ sub: 'u2', groups: 'plant-it' }), '/api/v1/models/promote')).status, 200);
    const scoped = await sign({ sub: 'u3', groups: ['plant-ops'], sites: ['plant-b'] });
    assert.equal((await post(scoped)).status, 403, 'the sites claim limits the token');
    assert.equal((await post(scoped, '/api/v1/sites/plant-b/things')).status, 200, 'to the sites it lists');
  });

  it('refuses a token signed by another key, from another issuer, expired, or mapping to no role', async () => {
    assert.equal((await post(await signWithOtherKey({ sub: 'u1', groups: ['plant-it'] }))).status, 401);
    assert.equal((await post(await sign({ sub: 'u1', groups: ['plant-it'] }, { issuer: 'https://evil.example' }))).status, 401);
    assert.equal((await post(await sign({ sub: 'u1', groups: ['plant-it'] }, { expiresIn: '-1m' }))).status, 401);
    assert.equal((await post(await sign({ sub: 'u1', groups: ['visitors'] }))).status, 401);
    assert.equal((await post(await sign({ sub: 'u1', groups: ['plant-it'] }, { audience: 'another-app' }))).status, 401, 'wrong audience');
    assert.equal((await post(await sign({ sub: 'u1', groups: ['plant-it'] }, { kid: 'unknown' }))).status, 401, 'a kid the JWKS does not list');
    assert.equal((await post(await sign({ groups: ['plant-it'] }))).status, 401, 'no subject, nobody to record as the actor');
    const noExpiry = await new SignJWT({ sub: 'u1', groups: ['plant-it'] }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://idp.plant.example').setAudience('premonitor').sign(privateKeyOf());
    assert.equal((await post(noExpiry)).status, 401, 'a token without exp would never expire');
    // alg "none": the claims of a valid token, no signature (with or without a signature part).
    const [, payload] = (await sign({ sub: 'u1', groups: ['plant-it'] })).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url');
    assert.equal((await post(`${none}.${payload}.`)).status, 401, 'alg none, empty signature');
    assert.equal((await post(`${none}.${payload}.AAAA`)).status, 401, 'alg none, any signature');
  });

  it('allows the configured clock difference with the provider, no more', async () => {
    assert.equal((await post(await sign({ sub: 'u1', groups: ['plant-it'] }, { expiresIn: '-10s' }))).status, 200, 'expired 10 s ago, within 30 s');
    assert.equal((await post(await sign({ sub: 'u1', groups: ['plant-it'] }, { expiresIn: '-45s' }))).status, 401, 'expired 45 s ago');
  });
});
