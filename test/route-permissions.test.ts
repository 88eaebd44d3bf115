// For every route the embedded platform serves — read from its route table, so a route added
// to any module is covered without touching this file — the answer per role and site scope:
// 401 without a credential, 403 for a role or site the route's permission does not allow, and
// past access control (the handler's own answer: 2xx, or 400/404/409 for the probe's input)
// otherwise. Changes are probed with inputs the handlers refuse, so nothing is changed, and with
// a body naming another actor, which never becomes the actor of anything. Every route must
// declare how it keeps a credential limited to sites within them (SiteRule): routes addressing
// a site's row by `:id` are probed with a real row of each site.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthStore, type Role } from '@premonitor/auth';
import { loadConfig } from '@premonitor/config';
import { siteRuleOf, type RouteDeclaration } from '@premonitor/http';
import { sql } from 'kysely';
import { createLogger } from '@premonitor/log';
import { EmbeddedPlatform, platformConfigShape } from '@premonitor/platform';
import { pgliteTemplateEnv } from './support/pglite-template.js';

const logger = createLogger({ service: 'route-permissions-test', level: 'silent' });
const SITE = 'demo';
const OTHER_SITE = 'elsewhere';
/** The actor every change probe names in its body: it must never be recorded as anyone's. */
const IMPOSTOR = 'mallory';

/** Ids of the rows the probe addresses on routes whose site is their row's (table → site → id). */
type SiteRows = Record<string, Record<string, string>>;

/**
 * Path parameters the probe fills in: ids that exist nowhere, so no handler changes anything,
 * except on routes whose site is their row's, where `:id` is the row of the probed site.
 */
function pathFor(route: RouteDeclaration, site: string, rows: SiteRows = {}): string {
  const rule = siteRuleOf(route);
  const rowId = typeof rule === 'object' ? rows[rule.table]?.[site] : undefined;
  const values: Record<string, string> = { site, device: 'probe-device', kind: 'acoustic', id: rowId ?? '999999999', sha256: '0'.repeat(64), version: 'probe-version', name: 'probe-backup', file: 'app.js' };
  return route.path.replace(/:([a-z0-9]+)/gi, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`route-permissions.test: no probe value for :${name} in ${route.path}; add one`);
    return value;
  });
}

/** The policy of issue 16, stated here rather than imported, so a change to libs/auth's role table shows up. */
function allowed(role: Role, permission: string): boolean {
  const [action] = permission.split(':');
  if (role === 'admin') return true;
  if (role === 'operator') return action === 'read' || action === 'write' || permission === 'admin:baselines';
  return action === 'read';
}

interface Caller {
  readonly label: string;
  readonly token?: string;
  readonly role?: Role;
  readonly sites?: readonly string[];
}

describe('every route of the embedded platform answers each role and site scope as its permission says', { timeout: 180_000 }, () => {
  let dir = '';
  let platform: EmbeddedPlatform | undefined;
  let httpUrl = '';
  const callers: Caller[] = [{ label: 'anonymous' }];
  const rows: SiteRows = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-route-permissions-'));
    // A notifier too (embedded mode hosts it only with a routing file), so its routes are probed; nothing is ever sent to the port.
    const routing = join(dir, 'routing.json');
    await writeFile(routing, JSON.stringify({ allowPrivateNetworks: true, allowHttp: true, channels: [{ name: 'probe-hook', type: 'webhook', secret: 'probe secret of 16+ chars', url: 'http://127.0.0.1:9/hook' }], routes: [{ channels: ['probe-hook'] }] }));
    const config = loadConfig(platformConfigShape, { ...pgliteTemplateEnv(), PM_DATA_DIR: dir, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DEVICES: '0', LOG_LEVEL: 'silent', FORECAST_INTERVAL_MINUTES: '0', NOTIFIER_CONFIG_FILE: routing });
    platform = new EmbeddedPlatform(config, logger);
    ({ httpUrl } = await platform.start());
    const store = new AuthStore(platform.database().db);
    for (const [name, role, sites] of [
      ['probe-viewer', 'viewer', undefined],
      ['probe-operator', 'operator', undefined],
      ['probe-admin', 'admin', undefined],
      ['probe-site-operator', 'operator', [SITE]],
      ['probe-site-admin', 'admin', [SITE]],
    ] as const) {
      await store.createUser({ name, role, ...(sites ? { sites } : {}) });
      const { token } = await store.issue({ user: name, name: 'probe', kind: 'api' });
      callers.push({ label: name, token, role, ...(sites ? { sites } : {}) });
    }
    // A row of each site in every table a route's site rule names: an alert, a dead letter.
    const db = platform.database().db;
    for (const site of [SITE, OTHER_SITE]) {
      const alert = await sql<{ id: string }>`insert into alerts (device_id, site, rule, severity, title, first_seen, last_seen)
        values (${`${site}/probe-device`}, ${site}, 'probe', 'WARNING', 'probe alert', now(), now()) returning id::text`.execute(db);
      const dead = await sql<{ id: string }>`insert into notification_outbox (channel, idempotency_key, alert_id, site, device, severity, event, status, next_attempt_at)
        values ('probe-channel', ${`probe-${site}`}, ${alert.rows[0]!.id}, ${site}, 'probe-device', 'WARNING', '{}'::jsonb, 'dead', now()) returning id::text`.execute(db);
      const report = await sql<{ id: string }>`insert into maintenance_reports (site, device_id, alert_id, text, author)
        values (${site}, ${`${site}/probe-device`}, ${alert.rows[0]!.id}, 'probe report', 'probe') returning id::text`.execute(db);
      (rows['alerts'] ??= {})[site] = alert.rows[0]!.id;
      (rows['maintenance_reports'] ??= {})[site] = report.rows[0]!.id;
      (rows['notification_outbox'] ??= {})[site] = dead.rows[0]!.id;
    }
  });

  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The statuses access control answers with; anything else came from the route's handler. */
  const refused = (status: number) => status === 401 || status === 403;

  /**
   * What the caller should get on `route` at `site`, by the route's site rule: `:site` and
   * `?site=` name it (403 outside the caller's sites), a row's site is the row's (404 outside
   * them, as for a missing row), fleet routes are refused to a credential limited to sites.
   */
  function expected(route: RouteDeclaration, caller: Caller, site: string): 'passes' | 401 | 403 | 404 {
    if (route.permission === 'read:public') return 'passes';
    if (!caller.role) return 401;
    if (!allowed(caller.role, route.permission)) return 403;
    if (!caller.sites) return 'passes';
    const rule = siteRuleOf(route);
    if (rule === 'self') return 'passes';
    if (rule === undefined || rule === 'fleet') return 403;
    if (caller.sites.includes(site)) return 'passes';
    return rule === 'path' || rule === 'query' ? 403 : 404;
  }

  async function probe(route: RouteDeclaration, caller: Caller, site: string): Promise<number> {
    const namesSite = route.path.includes(':site');
    // Also on routes that do not filter by it: ?site= must not open them to a scoped credential.
    // A change whose site is in its body (POST /reports) takes the query rule: it names the site as ?site= too.
    const query = !namesSite && (route.method === 'GET' || siteRuleOf(route) === 'query') ? `?site=${site}` : '';
    const res = await fetch(`${httpUrl}${pathFor(route, site, rows)}${query}`, {
      method: route.method,
      headers: { ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}), ...(route.method !== 'GET' ? { 'content-type': 'application/json' } : {}) },
      // Every body schema is strict: an unknown key — here an actor other than the credential's — is refused (400) after access control let the request through.
      ...(route.method !== 'GET' ? { body: JSON.stringify({ actor: IMPOSTOR }) } : {}),
    });
    await drain(res);
    return res.status;
  }

  it('covers the routes of every embedded module and of the auth API', () => {
    const routes = platform!.routes();
    for (const prefix of ['/api/v1/devices', '/api/v1/alerts', '/api/v1/inference', '/api/v1/lstm', '/api/v1/models', '/api/v1/auth', '/api/v1/audit', '/api/v1/notifications']) {
      assert.ok(routes.some((r) => r.path.startsWith(prefix)), `a route under ${prefix}`);
    }
  });

  it('documents every route in /openapi.json (OpenAPI 3.1, from the zod schemas) and nothing that is not served', async () => {
    const res = await fetch(`${httpUrl}/openapi.json`);
    assert.equal(res.status, 200, 'public');
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { 'x-permission': string; 'x-site-rule'?: string; requestBody?: { content: Record<string, { schema: { required?: string[]; properties?: Record<string, { type?: string }> } }> } }>> };
    assert.equal(doc.openapi, '3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    const declared = platform!.routes().map((r) => `${r.method} ${r.path.replace(/:([a-z0-9]+)/gi, '{$1}')}`);
    assert.deepEqual([...documented].sort(), [...declared].sort(), 'the document names exactly the declared routes');
    // Declared is not enough: each documented operation must reach a handler (the host's own 404 says 'no such route').
    const admin = callers.find((c) => c.role === 'admin')!;
    const unserved: string[] = [];
    for (const route of platform!.routes()) {
      const answer = await fetch(`${httpUrl}${pathFor(route, SITE)}`, { method: route.method, headers: { authorization: `Bearer ${admin.token}`, ...(route.method !== 'GET' ? { 'content-type': 'application/json' } : {}) }, ...(route.method !== 'GET' ? { body: '{"probe":true}' } : {}) });
      const body = answer.headers.get('content-type')?.startsWith('text/event-stream') ? (await drain(answer), '') : await answer.text();
      if (answer.status === 404 && body.includes('no such route')) unserved.push(`${route.method} ${route.path}`);
    }
    assert.deepEqual(unserved, [], 'documented but not served');
    const ack = doc.paths['/api/v1/alerts/{id}/ack']!['post']!;
    assert.equal(ack['x-permission'], 'write:alerts');
    assert.equal(ack['x-site-rule'], 'row:alerts', 'the site rule is documented too');
    const schema = ack.requestBody!.content['application/json']!.schema;
    assert.deepEqual([schema.required, schema.properties?.['note']?.type, 'actor' in (schema.properties ?? {})], [['note'], 'string', false], 'the ack body: a note, no actor');
    const page = await (await fetch(`${httpUrl}/docs`)).text();
    for (const path of Object.keys(doc.paths)) assert.ok(page.includes(path), `/docs shows ${path}`);
  });

  it("lists the notifier's channels with host and breaker state, never the URL or secret (GET /api/v1/notifications/channels)", async () => {
    const viewer = callers.find((c) => c.role === 'viewer' && !c.sites)!;
    const res = await fetch(`${httpUrl}/api/v1/notifications/channels`, { headers: { authorization: `Bearer ${viewer.token}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    const { items } = JSON.parse(text) as { items: { name: string; type: string; host: string; breaker: string; routes: unknown[] }[] };
    assert.deepEqual(items.map((c) => [c.name, c.type, c.host, c.breaker, c.routes.length]), [['probe-hook', 'webhook', '127.0.0.1:9', 'closed', 1]]);
    assert.ok(!text.includes('/hook') && !text.includes('probe secret'), `the answer names the URL or the secret: ${text}`);
  });

  it('lists the models of every kind (GET /api/v1/models), which embedded mode used to answer 404', async () => {
    const viewer = callers.find((c) => c.role === 'viewer')!;
    const res = await fetch(`${httpUrl}/api/v1/models?stage=production`, { headers: { authorization: `Bearer ${viewer.token}` } });
    assert.equal(res.status, 200);
    const { items } = (await res.json()) as { items: { kind: string; stage: string; sha256: string }[] };
    assert.deepEqual([...new Set(items.map((m) => m.kind))].sort(), ['acoustic', 'thermal'], 'the shipped models, in production');
    assert.ok(items.every((m) => m.stage === 'production' && /^[0-9a-f]{64}$/.test(m.sha256)));
    assert.equal((await fetch(`${httpUrl}/api/v1/models?stage=retired`, { headers: { authorization: `Bearer ${viewer.token}` } })).status, 400);
  });

  it('declares a site rule on every route that needs a credential, with a probe row for each table it names', () => {
    const missing = platform!
      .routes()
      .filter((r) => r.permission !== 'read:public' && siteRuleOf(r) === undefined)
      .map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, [], 'routes without a site rule (site: fleet | self | { table }, a :site parameter or siteFilter)');
    for (const route of platform!.routes()) {
      const rule = siteRuleOf(route);
      if (typeof rule !== 'object') continue;
      assert.ok(route.path.includes('/:id'), `${route.path}: a row's site needs the row's :id`);
      assert.ok(rows[rule.table], `${route.path}: add a probe row of ${rule.table} for each site in before()`);
    }
  });

  it('401 without a credential, 403 without the permission or the site (404 for another site\'s row), through otherwise', async () => {
    const mismatches: string[] = [];
    const routes = platform!.routes();
    for (const route of routes) {
      for (const caller of callers) {
        for (const site of caller.sites ? [SITE, OTHER_SITE] : [SITE]) {
          const status = await probe(route, caller, site);
          const want = expected(route, caller, site);
          const ok = want === 'passes' ? !refused(status) && status !== 429 && status < 500 : status === want;
          if (!ok) mismatches.push(`${route.method} ${route.path} (${route.permission}) as ${caller.label} on ${site}: got ${status}, expected ${want}`);
        }
      }
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${routes.length} routes answered otherwise`);
  });

  it('records every change probe in audit_events as the credential, never the actor its body names', async () => {
    const db = platform!.database().db;
    const writes = platform!.routes().filter((r) => r.method !== 'GET' && r.permission !== 'read:public');
    const credentialed = callers.filter((c) => c.role).map((c) => c.label).sort();
    let missing: string[] = [];
    // The audit row is written when the answer is finished: give the last ones a moment.
    for (let attempt = 0; attempt < 50; attempt++) {
      const audited = await db.selectFrom('audit_events').select(['actor', 'action']).distinct().execute();
      const actors = new Map<string, Set<string>>();
      for (const row of audited) (actors.get(row.action) ?? actors.set(row.action, new Set()).get(row.action)!).add(row.actor);
      missing = writes.flatMap((r) => credentialed.filter((name) => !actors.get(`${r.method} ${r.path}`)?.has(name)).map((name) => `${r.method} ${r.path} as ${name}`));
      if (missing.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(missing, [], 'change probes not audited as their credential');
    const impostor = await sql<{ n: number }>`select (select count(*) from audit_events where actor = ${IMPOSTOR}) + (select count(*) from alert_events where actor = ${IMPOSTOR}) as n`.execute(db);
    assert.equal(Number(impostor.rows[0]!.n), 0, 'the actor a body names is nobody\'s');
  });
});

/** Reads an answer to its end; a live stream (server-sent events) never ends, so it is cancelled once its status is known. */
async function drain(res: Response): Promise<void> {
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel();
  else await res.arrayBuffer();
}
