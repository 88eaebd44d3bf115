// Kubernetes without a cluster: both overlays render with plain `kubectl kustomize` (so
// `kubectl apply -k` takes them without flags), every object validates against the Kubernetes
// JSON schemas bundled offline in `kubernetes-models`, and the operational promises hold —
// pinned images, default-deny network policies, budgets, autoscalers, a 3-node NATS with
// streams ×3 in prod, the migrations Job. Compose is checked with `docker compose config`
// where that client exists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { findBinary, repoRoot } from '@premonitor/testkit';

const run = promisify(execFile);
const root = repoRoot();
const kubectl = findBinary('kubectl');
const docker = findBinary('docker');

interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown> & { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec }; jobTemplate?: unknown };
  readonly data?: Record<string, string>;
}
interface Container {
  readonly image: string;
  readonly env?: readonly { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  readonly envFrom?: readonly { configMapRef?: { name: string } }[];
}
interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly { configMap?: { name: string }; secret?: { secretName: string }; projected?: { sources: { configMap?: { name: string }; secret?: { name: string } }[] } }[];
}

/** Secrets an operator creates before applying (deploy/README.md), per overlay. */
const OPERATOR_SECRETS: Record<string, readonly string[]> = { dev: ['mosquitto-passwd', 'mosquitto-tls'], prod: ['mosquitto-passwd', 'mosquitto-tls', 'premonitor-secrets'] };

async function render(overlay: string): Promise<K8sObject[]> {
  const { stdout } = await run(kubectl!, ['kustomize', join(root, 'deploy/k8s/overlays', overlay)], { maxBuffer: 32 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

/** Validates with the bundled schema of its kind; the PrometheusRule CRD is checked by shape (its rules by promtool). */
async function schemaProblem(o: K8sObject): Promise<string | undefined> {
  if (o.kind === 'PrometheusRule') {
    const groups = (o.spec as { groups?: { name?: string; rules?: { alert?: string; expr?: string }[] }[] } | undefined)?.groups;
    const ok = o.apiVersion === 'monitoring.coreos.com/v1' && Array.isArray(groups) && groups.every((g) => g.name && g.rules?.every((r) => r.alert && r.expr));
    return ok ? undefined : 'PrometheusRule without named groups of alerts';
  }
  let model: new (data: unknown) => { validate(): void };
  try {
    model = ((await import(`kubernetes-models/${o.apiVersion}/${o.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>)[o.kind]!;
  } catch {
    return `no schema for ${o.apiVersion} ${o.kind}`;
  }
  // kustomize folds long base64 values over lines; the API server's decoder skips the newlines.
  const data = o.kind === 'Secret' && o.data ? { data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, v.replace(/\s+/g, '')])) } : {};
  try {
    new model({ ...o, ...data }).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message.slice(0, 500);
  }
}

function podSpec(o: K8sObject): PodSpec | undefined {
  return o.spec?.template?.spec;
}

function podLabels(o: K8sObject): Record<string, string> {
  return o.spec?.template?.metadata?.labels ?? {};
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

describe('Kubernetes overlays', { skip: kubectl ? false : 'kubectl not found: overlays not rendered' }, () => {
  for (const overlay of ['dev', 'prod']) {
    describe(overlay, () => {
      let objects: K8sObject[];
      const rendered = async () => (objects ??= await render(overlay));

      it('renders with plain kubectl kustomize and every object matches its Kubernetes schema', async () => {
        const problems: string[] = [];
        for (const o of await rendered()) {
          const problem = await schemaProblem(o);
          if (problem) problems.push(`${o.kind}/${o.metadata.name}: ${problem}`);
        }
        assert.deepEqual(problems, []);
        assert.ok((await rendered()).length > 30);
      });

      it('puts everything in the premonitor namespace and pins every image', async () => {
        for (const o of await rendered()) {
          if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'premonitor', `${o.kind}/${o.metadata.name}`);
          const spec = podSpec(o);
          for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
            const tag = c.image.split(':')[1];
            assert.ok(tag && tag !== 'latest' && /^\d+\.\d+\.\d+/.test(tag), `${o.kind}/${o.metadata.name}: image ${c.image} is not pinned to a release`);
          }
        }
      });

      it('references only ConfigMaps and Secrets it creates, or the ones the operator creates first', async () => {
        const objects = await rendered();
        const have = new Set(objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => `${o.kind}/${o.metadata.name}`));
        for (const name of OPERATOR_SECRETS[overlay]!) have.add(`Secret/${name}`);
        const missing: string[] = [];
        const need = (ref: string, where: string) => (have.has(ref) ? undefined : missing.push(`${where} → ${ref}`));
        for (const o of objects.filter((x) => WORKLOADS.has(x.kind))) {
          const spec = podSpec(o)!;
          const where = `${o.kind}/${o.metadata.name}`;
          for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
            for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) need(`Secret/${e.valueFrom.secretKeyRef.name}`, where);
            for (const e of c.envFrom ?? []) if (e.configMapRef) need(`ConfigMap/${e.configMapRef.name}`, where);
          }
          for (const v of spec.volumes ?? []) {
            if (v.configMap) need(`ConfigMap/${v.configMap.name}`, where);
            if (v.secret) need(`Secret/${v.secret.secretName}`, where);
            for (const s of v.projected?.sources ?? []) {
              if (s.configMap) need(`ConfigMap/${s.configMap.name}`, where);
              if (s.secret) need(`Secret/${s.secret.name}`, where);
            }
          }
        }
        assert.deepEqual(missing, []);
        assert.equal(have.has('Secret/premonitor-secrets') && objects.some((o) => o.kind === 'Secret' && o.metadata.name === 'premonitor-secrets'), overlay === 'dev');
      });

      it('denies by default and lets every workload reach DNS; every budget and policy selects real pods', async () => {
        const objects = await rendered();
        const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
        const deny = policies.find((p) => p.metadata.name === 'default-deny');
        assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
        assert.ok(policies.some((p) => p.metadata.name === 'allow-dns'));
        const pods = objects.filter((o) => WORKLOADS.has(o.kind)).map(podLabels);
        const selects = (selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] }) =>
          pods.some((labels) => Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (selector.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? '')));
        for (const p of [...policies, ...objects.filter((o) => o.kind === 'PodDisruptionBudget')]) {
          const selector = (p.spec!.podSelector ?? p.spec!.selector) as Parameters<typeof selects>[0];
          if (Object.keys(selector).length > 0) assert.ok(selects(selector), `${p.kind}/${p.metadata.name} selects no pod`);
        }
        // Every core workload, the migrations Job included, is allowed to reach the database.
        const db = policies.find((p) => p.metadata.name === 'timescaledb')!;
        const allowed = ((db.spec!.ingress as { from: { podSelector: { matchExpressions: { values: string[] }[] } }[] }[])[0]!.from[0]!.podSelector.matchExpressions[0]!.values);
        for (const name of ['ingest', 'acoustic-inference', 'thermal-inference', 'telemetry-scoring', 'fusion', 'notifier', 'forecasting', 'model-sync', 'migrate']) assert.ok(allowed.includes(name), name);
        assert.ok(objects.some((o) => o.kind === 'Job' && o.metadata.name === 'migrate'));
        for (const name of ['ingest', 'acoustic-inference', 'thermal-inference', 'nats', 'fusion', 'notifier']) assert.ok(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name), `PDB ${name}`);
      });

      it(overlay === 'prod' ? 'runs NATS as a cluster of 3 with streams ×3, autoscales ingest and inference' : 'runs one NATS node with streams ×1 and no autoscalers', async () => {
        const objects = await rendered();
        const nats = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats')!;
        const common = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'premonitor-common')!;
        const natsConf = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))!.data!['nats.conf']!;
        const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
        if (overlay === 'prod') {
          assert.equal(nats.spec!.replicas, 3);
          assert.equal(common.data!.NATS_STREAM_REPLICAS, '3');
          for (const n of [0, 1, 2]) assert.match(natsConf, new RegExp(`nats://nats-${n}\\.nats-cluster:6222`));
          const targets = hpas.map((h) => (h.spec!.scaleTargetRef as { kind: string; name: string }));
          assert.deepEqual(targets.map((t) => t.name).sort(), ['acoustic-inference', 'ingest', 'thermal-inference']);
          for (const t of targets) assert.ok(objects.some((o) => o.kind === t.kind && o.metadata.name === t.name), `${t.kind}/${t.name}`);
          assert.ok(objects.some((o) => o.kind === 'PrometheusRule'));
        } else {
          assert.equal(nats.spec!.replicas, 1);
          assert.equal(common.data!.NATS_STREAM_REPLICAS, undefined);
          assert.doesNotMatch(natsConf, /cluster \{/);
          assert.equal(hpas.length, 0);
        }
      });
    });
  }
});

describe('deployment files', () => {
  it('the base holds exact copies of mosquitto/ and the notifier example (node deploy/k8s/sync-files.mjs)', async () => {
    const sync = (await import(pathToFileURL(join(root, 'deploy/k8s/sync-files.mjs')).href)) as { staleCopies(): string[] };
    assert.deepEqual(sync.staleCopies(), []);
  });

  it('builds on a pinned Node 22 LTS image', async () => {
    const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:22\.\d+\.\d+-bookworm-slim$/m);
  });

  it('Prometheus scrapes every core service compose runs', async () => {
    const compose = parse(await readFile(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { build?: { args?: { SERVICE?: string } }; profiles?: string[] }> };
    const prometheus = parse(await readFile(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = prometheus.scrape_configs.find((c) => c.job_name === 'premonitor')!.static_configs.flatMap((c) => c.targets);
    const core = Object.entries(compose.services).filter(([, s]) => s.build?.args?.SERVICE && s.build.args.SERVICE !== 'edge-agent').map(([name]) => `${name}:8080`);
    assert.deepEqual([...targets].sort(), core.sort());
    for (const name of ['prometheus', 'grafana', 'grafana-db-user']) assert.deepEqual(compose.services[name]?.profiles, ['observability'], name);
  });

  it('docker compose accepts the file with every profile', async (t) => {
    const ok = docker ? await run(docker, ['compose', 'version']).then(() => true, () => false) : false;
    if (!ok) {
      t.skip('no docker compose client here: compose file not checked by docker');
      return;
    }
    await run(docker!, ['compose', '--profile', 'sim', '--profile', 'observability', 'config', '--quiet'], { cwd: root });
  });
});
