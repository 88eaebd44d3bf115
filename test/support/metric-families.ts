import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@premonitor/testkit';

/** The metric families a `/metrics` text declares (`# TYPE name type`), with their type. */
export function parseFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1]!, match[2]!);
  return families;
}

/** The value of one sample line, `name{labels} value`, matched on name and a label subset; undefined when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/**
 * Series Prometheus makes up itself (scrape health), which no `/metrics` exposes: `up` is 0/1
 * per target, the rest describe the scrape.
 */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The metric names a PromQL expression reads (the project's own, Node's and the process's), plus `up`. */
export function metricNames(expr: string): string[] {
  // Label values in quotes never name a metric; strip them so `{status="pending"}` adds nothing.
  const unquoted = expr.replace(/"[^"]*"/g, '""');
  const names = new Set<string>();
  for (const match of unquoted.matchAll(/\b(pm_[a-z0-9_]+|nodejs_[a-z0-9_]+|process_[a-z0-9_]+|up)\b(?!\s*[=!~]|\s*\()/g)) names.add(match[1]!);
  return [...names];
}

/**
 * The family a series name belongs to: histograms expose `_bucket`, `_sum` and `_count`
 * series under one `# TYPE`. Undefined for a series Prometheus synthesises.
 */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (SYNTHETIC.has(name)) return undefined;
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && (families.get(base) === 'histogram' || families.get(base) === 'summary') ? base : name;
}

/** A Grafana panel target as the committed dashboards hold it. */
interface DashboardFile {
  readonly title: string;
  readonly panels: readonly { readonly title: string; readonly targets: readonly { readonly expr?: string; readonly rawSql?: string }[] }[];
}

/** Every committed dashboard (deploy/grafana/dashboards/*.json), parsed. */
export async function committedDashboards(): Promise<Map<string, DashboardFile>> {
  const dir = join(repoRoot(), 'deploy/grafana/dashboards');
  const out = new Map<string, DashboardFile>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    out.set(file, JSON.parse(await readFile(join(dir, file), 'utf8')) as DashboardFile);
  }
  return out;
}

/** What deploy/grafana/dashboards.mjs generates: file name → file text. */
export async function generatedDashboards(): Promise<Map<string, string>> {
  const module = (await import(pathToFileURL(join(repoRoot(), 'deploy/grafana/dashboards.mjs')).href)) as {
    dashboards: Record<string, unknown>;
    dashboardText(model: unknown): string;
  };
  return new Map(Object.entries(module.dashboards).map(([file, model]) => [file, module.dashboardText(model)]));
}

/** Every PromQL expression of the committed dashboards, with where it is. */
export async function dashboardExpressions(): Promise<{ readonly where: string; readonly expr: string }[]> {
  const out: { where: string; expr: string }[] = [];
  for (const [file, dashboard] of await committedDashboards()) {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) if (target.expr) out.push({ where: `${file} / ${panel.title}`, expr: target.expr });
    }
  }
  return out;
}

/** Every alerting rule expression of deploy/prometheus/rules/*.rules.yml, with its alert name. */
export async function ruleExpressions(): Promise<{ readonly where: string; readonly expr: string }[]> {
  const { parse } = await import('yaml');
  const dir = join(repoRoot(), 'deploy/prometheus/rules');
  const out: { where: string; expr: string }[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.rules.yml')).sort()) {
    const { groups } = parse(await readFile(join(dir, file), 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
    for (const rule of groups.flatMap((g) => g.rules)) out.push({ where: `${file} / ${rule.alert ?? rule.record}`, expr: rule.expr });
  }
  return out;
}
