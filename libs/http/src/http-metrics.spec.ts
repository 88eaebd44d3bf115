import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from 'express';
import { Registry } from 'prom-client';
import { createLogger } from '@premonitor/log';
import { HttpServer } from './http-server.js';
import { sampledGauge } from './sampled-gauge.js';

const logger = createLogger({ service: 'http-metrics-spec', level: 'silent' });

test('counts requests by route template, method and status; unmatched paths share one series', async (t) => {
  const registry = new Registry();
  const router = Router();
  router.get('/things/:id', (req, res) => void res.status(req.params.id === 'x' ? 404 : 200).json({}));
  const server = new HttpServer({ logger, registry, readiness: [], routers: [{ path: '/api/v1', router }], portSetting: 'HTTP_PORT' });
  const port = await server.start(0);
  t.after(() => server.stop());
  for (const path of ['/api/v1/things/1', '/api/v1/things/2', '/api/v1/things/x', '/nope/a', '/nope/b']) await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await registry.metrics();
  assert.match(text, /pm_http_requests_total\{route="\/api\/v1\/things\/:id",method="GET",status="200"\} 2/);
  assert.match(text, /pm_http_requests_total\{route="\/api\/v1\/things\/:id",method="GET",status="404"\} 1/);
  assert.match(text, /pm_http_requests_total\{route="unmatched",method="GET",status="404"\} 2/);
  assert.match(text, /pm_http_request_duration_seconds_count\{route="\/api\/v1\/things\/:id",method="GET",status="200"\} 2/);
});

test('a sampled gauge shows what read returns now, and nothing (not stale values, not a failed scrape) when read fails', async () => {
  const registry = new Registry();
  let values: { labels: { channel: string }; value: number }[] = [{ labels: { channel: 'a' }, value: 3 }, { labels: { channel: 'b' }, value: 1 }];
  let fail = false;
  const errors: unknown[] = [];
  sampledGauge({
    registry,
    name: 'spec_backlog',
    help: 'spec',
    labelNames: ['channel'],
    read: () => {
      if (fail) throw new Error('database down');
      return values;
    },
    onError: (err) => errors.push(err),
  });
  assert.match(await registry.metrics(), /spec_backlog\{channel="a"\} 3\nspec_backlog\{channel="b"\} 1/);
  values = [{ labels: { channel: 'a' }, value: 0 }];
  const now = await registry.metrics();
  assert.match(now, /spec_backlog\{channel="a"\} 0/);
  assert.doesNotMatch(now, /channel="b"/);
  fail = true;
  const failed = await registry.metrics();
  assert.match(failed, /# TYPE spec_backlog gauge/);
  assert.doesNotMatch(failed, /spec_backlog\{/);
  assert.equal(errors.length, 1);
});
