import { api, messageOf, query, type User } from './api.js';
import type { Alert } from './alert-types.js';
import { onlineBadge, severityBadge, statusBadge } from './badges.js';
import { fill, h, notice, table } from './dom.js';
import { num, when } from './format.js';
import { lineChart, type Series } from './line-chart.js';
import type { Page } from './page.js';
import { can } from './session.js';

interface Device { readonly id: string; readonly site: string; readonly device: string; readonly online: boolean; readonly lastSeen?: string }
interface Reading { readonly time: string; readonly key: string; readonly value: number }
interface Score { readonly time: string; readonly kind: string; readonly score: number; readonly reference: string | null }
interface Baseline { readonly modelVersion?: string; readonly status: string; readonly accepted?: number; readonly frames?: number }
interface Prediction {
  readonly forecasts: readonly { timestamp: string; predicted_value: number; confidence_lower: number; confidence_upper: number }[];
  readonly failure_risk: { risk_level: string; risk_score: number; time_to_failure_hours: number | null; recommended_action: string };
  readonly limits?: { lower?: number; upper?: number } | null;
}

/** Readings charted: the last this many minutes, refreshed every few seconds while the page is open. */
const LIVE_WINDOW_MIN = 10;
const LIVE_REFRESH_MS = 3_000;
const FRAME_KINDS = ['acoustic', 'thermal'] as const;

/** One device: live telemetry, scores against its baseline, baseline actions, forecast with band and risk, its alerts. */
export const devicePage: Page = async ({ user, main, params }) => {
  const [site = '', device = ''] = params;
  const path = `/api/v1/devices/${encodeURIComponent(site)}/${encodeURIComponent(device)}`;
  const info = await api<Device>(path);
  main.append(h('h2', {}, `${site}/${device} `, onlineBadge(info.online)), h('p', {}, `Last seen ${when(info.lastSeen)}`));

  const telemetry = section(main, 'Live telemetry');
  const drawTelemetry = async (): Promise<string[]> => {
    const from = new Date(Date.now() - LIVE_WINDOW_MIN * 60_000).toISOString();
    const page = await api<{ items: Reading[] }>(`${path}/readings${query({ from, limit: 5000 })}`);
    const byKey = new Map<string, { x: number[]; y: number[] }>();
    for (const r of page.items) {
      const s = byKey.get(r.key) ?? { x: [], y: [] };
      s.x.push(Date.parse(r.time));
      s.y.push(r.value);
      byKey.set(r.key, s);
    }
    fill(telemetry, byKey.size === 0 ? h('p', {}, `No readings in the last ${LIVE_WINDOW_MIN} minutes.`) : [...byKey].map(([key, s]) => h('figure', {}, h('figcaption', {}, key), lineChart({ series: [{ label: key, ...s }] }, { title: `${key}, last ${LIVE_WINDOW_MIN} minutes` }))));
    return [...byKey.keys()];
  };
  const keys = await drawTelemetry().catch((err: unknown) => (fill(telemetry, notice(messageOf(err))), [] as string[]));
  const timer = setInterval(() => void drawTelemetry().catch(() => undefined), LIVE_REFRESH_MS);

  const scores = section(main, 'Recent scores and baselines');
  for (const kind of FRAME_KINDS) void drawScores(scores, user, path, site, device, kind);

  const forecast = section(main, 'Forecast');
  drawForecastPicker(forecast, `${site}/${device}`, keys);

  const alerts = section(main, 'Alerts of this device');
  const list = await api<{ items: Alert[] }>(`/api/v1/alerts${query({ site, device, limit: 50 })}`);
  fill(alerts, table(list.items, { Alert: (a) => h('a', { href: `#/alert/${a.id}` }, `#${a.id}`), Severity: (a) => severityBadge(a.severity), Status: (a) => statusBadge(a.status), Title: (a) => a.title, 'Last seen': (a) => when(a.lastSeen) }));
  return () => clearInterval(timer);
};

function section(main: HTMLElement, title: string): HTMLElement {
  const body = h('div', {}, h('p', {}, 'Loading…'));
  main.append(h('section', {}, h('h3', {}, title), body));
  return body;
}

async function drawScores(into: HTMLElement, user: User, path: string, site: string, device: string, kind: string): Promise<void> {
  const box = h('div', { class: 'kind' });
  into.querySelector('p')?.remove();
  into.append(box);
  const draw = async (): Promise<void> => {
    const [page, baseline] = await Promise.all([
      api<{ items: Score[] }>(`${path}/scores${query({ kind, limit: 2000 })}`),
      api<{ reference: string; baselines: Baseline[] }>(`/api/v1/inference/${kind}/baselines/${site}/${device}`).catch(() => undefined),
    ]);
    const items = [...page.items].reverse();
    const current = baseline?.baselines[0];
    // One line per reference the score was taken against: the device's own baseline (solid) or the fleet's (dashed).
    const series: Series[] = [...new Set(items.map((s) => s.reference ?? 'unrecorded'))].map((reference) => {
      const mine = items.filter((s) => (s.reference ?? 'unrecorded') === reference);
      return { label: `${kind} score vs ${reference} baseline`, x: mine.map((s) => Date.parse(s.time)), y: mine.map((s) => s.score), dashed: reference !== 'device' };
    });
    const outcome = h('span', { 'aria-live': 'polite' });
    const act = (action: 'enroll' | 'reset' | 'faulty', label: string, body?: unknown) =>
      h('button', {
        type: 'button',
        onclick: () => {
          if (!confirm(`${label} the ${kind} baseline of ${site}/${device}?`)) return;
          api(`/api/v1/inference/${kind}/baselines/${site}/${device}/${action}`, { method: 'POST', ...(body ? { body } : {}) }).then(() => void draw(), (err: unknown) => fill(outcome, notice(messageOf(err))));
        },
      }, label);
    fill(
      box,
      h('h4', {}, kind),
      h('p', {}, `Baseline: ${current ? `${current.status}${current.accepted !== undefined ? ` (${current.accepted}/${current.frames ?? '?'} frames)` : ''}` : 'none'}; scored against the ${baseline?.reference ?? 'fleet'} reference.`),
      items.length ? lineChart({ series }, { title: `${kind} scores`, height: 160 }) : h('p', {}, 'No scores yet.'),
      can(user, 'admin:baselines') ? h('div', { class: 'actions' }, act('enroll', 'Enroll again', {}), act('reset', 'Reset'), act('faulty', 'Mark faulty', { note: 'marked from the console' })) : null,
      outcome,
    );
  };
  await draw().catch((err: unknown) => fill(box, h('h4', {}, kind), notice(messageOf(err))));
}

function drawForecastPicker(into: HTMLElement, deviceId: string, keys: readonly string[]): void {
  const out = h('div', {});
  const select = h('select', { 'aria-label': 'Sensor' }, keys.map((k) => h('option', { value: k }, k)));
  const go = h('button', { type: 'button', class: 'primary', onclick: () => void show() }, 'Forecast');
  const show = async (): Promise<void> => {
    fill(out, 'Loading…');
    try {
      const p = await api<Prediction>('/api/v1/lstm/predict', { method: 'POST', body: { device_id: deviceId, sensor_key: select.value } });
      const x = p.forecasts.map((f) => Date.parse(f.timestamp));
      const rules = [p.limits?.lower !== undefined ? { label: 'lower limit', y: p.limits.lower } : null, p.limits?.upper !== undefined ? { label: 'upper limit', y: p.limits.upper } : null].filter((r): r is { label: string; y: number } => r !== null);
      const r = p.failure_risk;
      fill(
        out,
        lineChart({ series: [{ label: 'predicted', x, y: p.forecasts.map((f) => f.predicted_value), dashed: true }], band: { label: 'interval', x, lower: p.forecasts.map((f) => f.confidence_lower), upper: p.forecasts.map((f) => f.confidence_upper) }, rules }, { title: `${select.value} forecast` }),
        h('p', {}, `Risk: ${r.risk_level} (${num(r.risk_score, 2)}); time to failure ${r.time_to_failure_hours === null ? 'not in sight' : `${num(r.time_to_failure_hours, 1)} h`}. ${r.recommended_action}`),
      );
    } catch (err) {
      fill(out, notice(messageOf(err)));
    }
  };
  fill(into, keys.length ? h('div', { class: 'actions' }, select, go) : h('p', {}, 'No sensor readings to forecast.'), out);
}
