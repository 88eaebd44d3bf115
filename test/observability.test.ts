// The dashboards (deploy/grafana) against what the services really expose: every metric family
// a panel queries must be declared on some /metrics — the embedded platform (every module in one
// process) and distributed fusion and notifier processes on real PostgreSQL and NATS — so no
// panel shows "no data" because a name is wrong or a metric was never registered. The host
// metrics (HTTP per route, consumer lag, database) must carry real values in distributed mode.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@premonitor/testkit';
import { startPlatform, STARTED } from './support/embedded-platform-process.js';
import { committedDashboards, dashboardExpressions, familyOf, generatedDashboards, metricNames, parseFamilies, ruleExpressions, sampleValue } from './support/metric-families.js';
import { NodeProcess } from './support/node-process.js';
import { authEnv, bearer } from './support/auth.js';
import { needService } from './support/real-services.js';
import { createThrowawayDatabase } from './support/throwaway-postgres.js';

const [pg, nats] = await Promise.all([needService('postgres'), needService('nats')]);

async function scrape(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(20_000) });
  assert.equal(res.status, 200, `${baseUrl}/metrics answered ${res.status}`);
  return res.text();
}

/** The routing file of a notifier with one local webhook, routed a site no device has: never called, its breaker stays closed. */
async function routingFile(dir: string): Promise<string> {
  const file = join(dir, 'routing.json');
  await writeFile(
    file,
    JSON.stringify({
      allowPrivateNetworks: true,
      allowHttp: true,
      channels: [{ name: 'ops-hook', type: 'webhook', secret: 'observability-test-secret', url: 'http://127.0.0.1:9/hook' }],
      routes: [{ sites: ['observability-nobody'], channels: ['ops-hook'] }],
    }),
  );
  return file;
}

describe('dashboards as code', () => {
  it('the committed dashboard files are what deploy/grafana/dashboards.mjs generates', async () => {
    const committed = await committedDashboards();
    const generated = await generatedDashboards();
    assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort());
    for (const [file, text] of generated) {
      assert.equal(await readFile(join(repoRoot(), 'deploy/grafana/dashboards', file), 'utf8'), text, `${file} is stale: run node deploy/grafana/dashboards.mjs`);
    }
  });

  it('has the five dashboards, each with panels and unique uids', async () => {
    const dashboards = await committedDashboards();
    assert.deepEqual([...dashboards.keys()].sort(), ['alerts.json', 'device.json', 'fleet.json', 'models.json', 'pipeline.json']);
    for (const [file, d] of dashboards) assert.ok(d.panels.length >= 4, `${file} has ${d.panels.length} panels`);
    assert.equal(new Set([...dashboards.values()].map((d) => (d as unknown as { uid: string }).uid)).size, 5);
  });

  it('every PromQL expression names at least one metric', async () => {
    for (const { where, expr } of await dashboardExpressions()) assert.ok(metricNames(expr).length > 0, `${where}: ${expr}`);
  });
});

describe('every metric family a dashboard uses is exposed', { skip: pg.skip || nats.skip, timeout: 300_000 }, () => {
  let dir: string;
  let throwaway: { url: string; drop(): Promise<void> };
  const started: NodeProcess[] = [];
  const scrapes = new Map<string, string>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pm-observability-'));
    throwaway = await createThrowawayDatabase(pg.url!, 'pm_observability');
    const routing = await routingFile(dir);
    const platform = startPlatform(join(dir, 'data'), { NOTIFIER_CONFIG_FILE: routing, SIM_DEVICES: '1', ...authEnv() });
    started.push(platform);
    const common = { NATS_URL: nats.url!, DATABASE_URL: throwaway.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info', ...authEnv() };
    const run = Math.random().toString(36).slice(2, 8);
    // One after the other: both migrate the same database at start.
    const fusion = NodeProcess.start('services/fusion/dist/main.js', { ...common, FUSION_DURABLE_PREFIX: `obs_${run}` });
    started.push(fusion);
    const fusionPort = Number((await fusion.waitFor(/"port":(\d+)[^\n]*"msg":"fusion ready"/, 120_000))[1]);
    const notifier = NodeProcess.start('services/notifier/dist/main.js', { ...common, NOTIFIER_CONFIG_FILE: routing, NOTIFIER_DURABLE: `obs_notifier_${run}`, NOTIFIER_DELIVER_POLICY: 'new' });
    started.push(notifier);
    const notifierPort = Number((await notifier.waitFor(/"port":(\d+)[^\n]*"msg":"notifier ready"/, 120_000))[1]);
    const platformUrl = (await platform.waitFor(STARTED, 180_000))[1]!;

    // One API request each, so the per-route HTTP series have a sample to show.
    for (const url of [`${platformUrl}/api/v1/alerts`, `http://127.0.0.1:${fusionPort}/api/v1/alerts`, `http://127.0.0.1:${notifierPort}/api/v1/notifications/dead-letters`]) {
      assert.equal((await fetch(url, { headers: bearer() })).status, 200, url);
    }
    scrapes.set('embedded platform', await scrape(platformUrl));
    scrapes.set('distributed fusion', await scrape(`http://127.0.0.1:${fusionPort}`));
    scrapes.set('distributed notifier', await scrape(`http://127.0.0.1:${notifierPort}`));
  });

  after(async () => {
    for (const p of started) await p.kill('SIGKILL');
    await throwaway?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds every family of every dashboard panel and alerting rule on some /metrics', async () => {
    const families = new Map<string, string>();
    for (const text of scrapes.values()) for (const [name, type] of parseFamilies(text)) families.set(name, type);
    const missing: string[] = [];
    for (const { where, expr } of [...(await dashboardExpressions()), ...(await ruleExpressions())]) {
      for (const name of metricNames(expr)) {
        const family = familyOf(name, families);
        if (family !== undefined && !families.has(family)) missing.push(`${name} (${where})`);
      }
    }
    assert.deepEqual(missing, [], `families no service exposes:\n${missing.join('\n')}`);
  });

  it('the embedded platform exposes every module-level family the dashboards use', () => {
    const text = scrapes.get('embedded platform')!;
    const families = parseFamilies(text);
    for (const name of ['pm_fusion_open_alerts', 'pm_fusion_outbox_backlog', 'pm_notifier_outbox_backlog', 'pm_notifier_breaker_state', 'pm_fleet_devices', 'pm_fleet_edge_queue_depth', 'pm_dead_letters_last_hour', 'pm_inference_score', 'pm_forecast_retrained_total']) {
      assert.ok(families.has(name), `embedded /metrics lacks ${name}`);
    }
    // In-process durables report their backlog like JetStream's.
    assert.match(text, /^pm_bus_consumer_pending\{[^}]*durable="fusion_scores"/m, 'no consumer lag of fusion in embedded mode');
    assert.equal(sampleValue(text, 'pm_notifier_breaker_state', { channel: 'ops-hook' }), 0);
  });

  it('distributed services report HTTP per route, consumer lag per durable and the database', () => {
    const fusion = scrapes.get('distributed fusion')!;
    assert.equal(sampleValue(fusion, 'pm_http_requests_total', { route: '/api/v1/alerts', method: 'GET', status: '200' }), 1, fusion.slice(0, 2_000));
    assert.ok((sampleValue(fusion, 'pm_http_request_duration_seconds_count', { route: '/api/v1/alerts' }) ?? 0) >= 1);
    assert.equal(sampleValue(fusion, 'pm_db_up'), 1);
    assert.ok((sampleValue(fusion, 'pm_db_ping_seconds') ?? -1) >= 0);
    assert.ok((sampleValue(fusion, 'pm_db_pool_connections', { state: 'max' }) ?? 0) >= 1);
    const durables = [...fusion.matchAll(/^pm_bus_consumer_pending\{[^}]*durable="([^"]+)"/gm)].map((m) => m[1]);
    assert.ok(durables.length >= 5, `fusion consumes five inputs; lag reported for ${durables.join(', ')}`);
    // Events other tests left on the shared NATS may be raising alerts right now: only presence is certain.
    assert.ok((sampleValue(fusion, 'pm_fusion_outbox_backlog') ?? -1) >= 0);

    const notifier = scrapes.get('distributed notifier')!;
    // Nothing is routed to the hook: both backlogs read 0 (not "no data").
    for (const status of ['pending', 'dead']) assert.equal(sampleValue(notifier, 'pm_notifier_outbox_backlog', { channel: 'ops-hook', status }), 0, status);
    assert.equal(sampleValue(notifier, 'pm_notifier_breaker_state', { channel: 'ops-hook' }), 0);
    assert.match(notifier, /^pm_bus_consumer_pending\{[^}]*stream="PM_ALERTS"/m);
    assert.equal(sampleValue(notifier, 'pm_http_requests_total', { route: '/api/v1/notifications/dead-letters', status: '200' }), 1);
  });
});
