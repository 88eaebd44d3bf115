import type { ForecastPoint } from '../model/onnx-forecaster.js';
import type { OperatingLimits } from '../risk/failure-risk.js';
import type { TimedValue } from '../series/resample.js';

/** What {@link renderForecastChart} draws. */
export interface ForecastChartInput {
  readonly title: string;
  readonly history: readonly TimedValue[];
  readonly points: readonly ForecastPoint[];
  readonly limits: OperatingLimits;
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/**
 * A self-contained SVG: history (grey line), forecast (blue), its interval band (light
 * blue), operating limits (red dashed) and a "now" marker. Plain SVG so a browser, an
 * image viewer or a ticket attachment shows it without a charting library.
 */
export function renderForecastChart(input: ForecastChartInput): string {
  const w = input.width ?? 900;
  const h = input.height ?? 360;
  const m = { l: 64, r: 16, t: 32, b: 40 };
  const hist = input.history.filter((p) => Number.isFinite(p.value));
  const times = [...hist.map((p) => p.time), ...input.points.map((p) => p.targetTime)];
  const limitValues = [input.limits.low, input.limits.high].filter((v): v is number => v !== undefined);
  const values = [...hist.map((p) => p.value), ...input.points.flatMap((p) => [p.lower, p.upper]), ...limitValues];
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  let v0 = Math.min(...values);
  let v1 = Math.max(...values);
  const pad = (v1 - v0 || 1) * 0.05;
  v0 -= pad;
  v1 += pad;
  const x = (t: number) => (m.l + ((t - t0) / (t1 - t0)) * (w - m.l - m.r)).toFixed(1);
  const y = (v: number) => (m.t + (1 - (v - v0) / (v1 - v0)) * (h - m.t - m.b)).toFixed(1);
  const path = (pts: readonly { t: number; v: number }[]) => pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t)},${y(p.v)}`).join(' ');

  const last = hist[hist.length - 1];
  const start = last ? [{ t: last.time, v: last.value }] : [];
  const band = input.points.length
    ? `${path([...start, ...input.points.map((p) => ({ t: p.targetTime, v: p.upper }))])} ${input.points
        .slice()
        .reverse()
        .map((p) => `L${x(p.targetTime)},${y(p.lower)}`)
        .join(' ')}${last ? ` L${x(last.time)},${y(last.value)}` : ''} Z`
    : '';
  const ticks = Array.from({ length: 5 }, (_, i) => v0 + ((v1 - v0) * i) / 4);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${m.l}" y="20" font-size="14">${esc(input.title)}</text>`,
    ...ticks.map((v) => `<line x1="${m.l}" x2="${w - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${m.l - 6}" y="${y(v)}" text-anchor="end" dominant-baseline="middle">${esc(fmt(v))}</text>`),
    `<text x="${m.l}" y="${h - 12}">${esc(new Date(t0).toISOString())}</text>`,
    `<text x="${w - m.r}" y="${h - 12}" text-anchor="end">${esc(new Date(t1).toISOString())}</text>`,
    band ? `<path d="${band}" fill="#9ecae1" fill-opacity="0.5" stroke="none"><title>interval</title></path>` : '',
    hist.length ? `<path d="${path(hist.map((p) => ({ t: p.time, v: p.value })))}" fill="none" stroke="#555" stroke-width="1.2"><title>history</title></path>` : '',
    input.points.length ? `<path d="${path([...start, ...input.points.map((p) => ({ t: p.targetTime, v: p.predicted }))])}" fill="none" stroke="#08519c" stroke-width="2"><title>forecast</title></path>` : '',
    ...(['low', 'high'] as const)
      .filter((side) => input.limits[side] !== undefined && input.limits[side]! >= v0 && input.limits[side]! <= v1)
      .map((side) => `<line x1="${m.l}" x2="${w - m.r}" y1="${y(input.limits[side]!)}" y2="${y(input.limits[side]!)}" stroke="#cb181d" stroke-dasharray="6 4"/><text x="${w - m.r}" y="${Number(y(input.limits[side]!)) - 4}" text-anchor="end" fill="#cb181d">${side} limit ${esc(fmt(input.limits[side]!))}</text>`),
    last ? `<line x1="${x(last.time)}" x2="${x(last.time)}" y1="${m.t}" y2="${h - m.b}" stroke="#999" stroke-dasharray="2 3"/>` : '',
    '</svg>',
  ];
  return parts.filter(Boolean).join('\n');
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(2);
}
