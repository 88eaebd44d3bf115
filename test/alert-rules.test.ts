// The platform's alerting rules (deploy/prometheus): valid for Prometheus (`promtool check`),
// firing when they should (`promtool test rules` on deploy/prometheus/tests), and carried
// unchanged into the Kubernetes PrometheusRule. promtool comes from Debian's `prometheus`
// package (.ci/run installs it); without it these checks skip, saying so. That every metric a
// rule reads exists is checked against live /metrics in test/observability.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { findBinary, repoRoot } from '@premonitor/testkit';
import { metricNames, ruleExpressions } from './support/metric-families.js';

const run = promisify(execFile);
const promtool = findBinary('promtool');
const dir = join(repoRoot(), 'deploy/prometheus');
const skip = promtool ? false : 'promtool not found (Debian package `prometheus`): rule syntax and rule unit tests not checked';
if (skip) console.warn(`alert-rules: ${skip}`);

async function promtoolOk(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(promtool!, args, { cwd: dir });
  return `${stdout}${stderr}`;
}

describe('platform alerting rules', () => {
  it('promtool accepts the rules file and the compose Prometheus config', { skip }, async () => {
    assert.match(await promtoolOk('check', 'rules', 'rules/premonitor.rules.yml'), /SUCCESS: 12 rules found/);
    assert.match(await promtoolOk('check', 'config', 'prometheus.yml'), /SUCCESS/);
  });

  it('each alert fires on the series that should raise it and not before (promtool test rules)', { skip }, async () => {
    assert.match(await promtoolOk('test', 'rules', 'tests/premonitor.test.yml'), /SUCCESS/);
  });

  it('covers ingest stalled, consumer lag, dead letters, breaker open, database unreachable, service down and drift', async () => {
    const names = (await ruleExpressions()).map((r) => r.where.split(' / ')[1]);
    for (const alert of ['PremonitorIngestStalled', 'PremonitorConsumerLagGrowing', 'PremonitorDeadLettersRising', 'PremonitorNotifierBreakerOpen', 'PremonitorDatabaseUnreachable', 'PremonitorServiceDown', 'PremonitorScoreDrift', 'PremonitorForecastDrift', 'PremonitorModelDrift']) {
      assert.ok(names.includes(alert), `${alert} missing`);
    }
    for (const { where, expr } of await ruleExpressions()) assert.ok(metricNames(expr).length > 0, `${where}: ${expr}`);
  });

  it('the Kubernetes PrometheusRule carries the rules file unchanged', async () => {
    const generator = (await import(pathToFileURL(join(dir, 'prometheus-rule.mjs')).href)) as { prometheusRuleText(text: string): string; RULES_FILE: string; PROMETHEUS_RULE_FILE: string };
    const committed = await readFile(generator.PROMETHEUS_RULE_FILE, 'utf8');
    assert.equal(committed, generator.prometheusRuleText(await readFile(generator.RULES_FILE, 'utf8')), 'stale: run node deploy/prometheus/prometheus-rule.mjs');
    const rule = parse(committed) as { kind: string; spec: { groups: unknown } };
    assert.equal(rule.kind, 'PrometheusRule');
    assert.deepEqual(rule.spec.groups, (parse(await readFile(generator.RULES_FILE, 'utf8')) as { groups: unknown }).groups);
  });
});
