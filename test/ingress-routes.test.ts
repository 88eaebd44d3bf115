// The Ingress against the route tables: every API route a distributed service declares must reach
// that service through deploy/k8s/base/ingress.yaml (Kubernetes `Prefix` matching: whole path
// elements, the longest matching path wins). A route added under another service's prefix — as
// retraining's promote/rollback under model-sync's /api/v1/models were — fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { consoleModule } from '@premonitor/console';
import { forecastingModule } from '@premonitor/forecasting';
import { fusionModule } from '@premonitor/fusion';
import { inferenceModule } from '@premonitor/inference';
import { ingestModule } from '@premonitor/ingest';
import { modelSyncModule } from '@premonitor/model-sync';
import { notifierModule } from '@premonitor/notifier';
import { retrainingModule } from '@premonitor/retraining';
import { telemetryScoringModule } from '@premonitor/telemetry-scoring';
import { repoRoot } from '@premonitor/testkit';

interface IngressPath {
  readonly path: string;
  readonly pathType: string;
  readonly backend: { readonly service: { readonly name: string } };
}
interface Ingress {
  readonly spec: { readonly rules: readonly { readonly host?: string; readonly http: { readonly paths: readonly IngressPath[] } }[] };
}

/** The Kubernetes Service each module runs as (acoustic inference owns the host-less rule). */
const SERVICES = {
  ingest: ingestModule,
  fusion: fusionModule,
  notifier: notifierModule,
  forecasting: forecastingModule,
  'acoustic-inference': inferenceModule,
  'telemetry-scoring': telemetryScoringModule,
  'model-sync': modelSyncModule,
  retraining: retrainingModule,
  console: consoleModule,
} as const;

/** The backend Kubernetes would pick for `path` among Prefix rules (`/a/b` matches `/a/b` and `/a/b/…`, not `/a/bc`). */
function backendFor(paths: readonly IngressPath[], path: string): string | undefined {
  const matches = paths.filter((p) => p.pathType === 'Prefix' && (path === p.path || path.startsWith(`${p.path.replace(/\/$/, '')}/`)));
  return matches.sort((a, b) => b.path.length - a.path.length)[0]?.backend.service.name;
}

describe('Ingress routing', () => {
  it('sends every API route a distributed service declares to that service', async () => {
    const ingress = parse(await readFile(join(repoRoot(), 'deploy/k8s/base/ingress.yaml'), 'utf8')) as Ingress;
    const paths = ingress.spec.rules.find((r) => r.host === undefined)!.http.paths;
    const wrong: string[] = [];
    for (const [service, module] of Object.entries(SERVICES)) {
      for (const route of module.routes ?? []) {
        const key = `${service} ${route.method} ${route.path}`;
        // A concrete request path: every `:param` filled in (`:kind` with a real frame kind: the
        // drift routes are routed per kind, and `x` is no kind any route accepts).
        const got = backendFor(paths, route.path.replace(/:kind\b/g, 'thermal').replace(/:[A-Za-z0-9_]+/g, 'x'));
        if (got !== service) wrong.push(`${key} -> ${got ?? 'nothing'}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('routes a device’s scores to ingest, which serves them (no route is left out of the check)', async () => {
    const ingress = parse(await readFile(join(repoRoot(), 'deploy/k8s/base/ingress.yaml'), 'utf8')) as Ingress;
    const paths = ingress.spec.rules.find((r) => r.host === undefined)!.http.paths;
    assert.ok(ingestModule.routes?.some((r) => r.method === 'GET' && r.path === '/api/v1/devices/:site/:device/scores'));
    assert.equal(backendFor(paths, '/api/v1/devices/plant-1/oven-1/scores'), 'ingest');
  });

  it('routes the retraining service’s samples and runs to it, the registry’s promote and rollback to model-sync', async () => {
    const ingress = parse(await readFile(join(repoRoot(), 'deploy/k8s/base/ingress.yaml'), 'utf8')) as Ingress;
    const paths = ingress.spec.rules.find((r) => r.host === undefined)!.http.paths;
    assert.equal(backendFor(paths, '/api/v1/samples'), 'retraining');
    assert.equal(backendFor(paths, '/api/v1/retraining/runs/7/events'), 'retraining');
    assert.equal(backendFor(paths, '/api/v1/models/thermal/20261206T0900/promote'), 'model-sync');
    assert.equal(backendFor(paths, '/api/v1/models/thermal/rollback'), 'model-sync');
    for (const kind of ['acoustic', 'thermal']) assert.equal(backendFor(paths, `/api/v1/models/${kind}/drift`), 'retraining', `${kind} drift is retraining's`);
    assert.equal(backendFor(paths, '/api/v1/models/thermal/driftx'), 'model-sync', 'whole path elements only');
    assert.equal(backendFor(paths, '/api/v1/samplesx'), 'console', 'whole path elements only: the rest falls to the console');
  });

  it('sends the console page and the browser’s auth API (served by every service) to the console', async () => {
    const ingress = parse(await readFile(join(repoRoot(), 'deploy/k8s/base/ingress.yaml'), 'utf8')) as Ingress;
    const paths = ingress.spec.rules.find((r) => r.host === undefined)!.http.paths;
    for (const path of ['/', '/console/app.js', '/api/v1/auth/login', '/api/v1/auth/me', '/api/v1/audit']) assert.equal(backendFor(paths, path), 'console', path);
  });
});
