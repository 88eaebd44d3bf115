// Writes deploy/k8s/overlays/prod/prometheus-rule.yaml, the prometheus-operator PrometheusRule
// carrying the groups of deploy/prometheus/rules/premonitor.rules.yml (the one source):
//   node deploy/prometheus/prometheus-rule.mjs
// test/alert-rules.test.ts fails when the committed file differs from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const RULES_FILE = join(here, 'rules/premonitor.rules.yml');
export const PROMETHEUS_RULE_FILE = join(here, '../k8s/overlays/prod/prometheus-rule.yaml');

/** The PrometheusRule text for the rules file's text. */
export function prometheusRuleText(rulesText) {
  const { groups } = parse(rulesText);
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'premonitor',
      labels: { 'app.kubernetes.io/part-of': 'premonitor', 'app.kubernetes.io/component': 'alerting-rules' },
    },
    spec: { groups },
  };
  return `# Generated from deploy/prometheus/rules/premonitor.rules.yml by deploy/prometheus/prometheus-rule.mjs: edit the rules file, then run it.\n${stringify(rule, { lineWidth: 0 })}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PROMETHEUS_RULE_FILE, prometheusRuleText(readFileSync(RULES_FILE, 'utf8')));
  console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
}
