/** One line of a chart: x in ms since the epoch, y values, same length. */
export interface Series {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** A dashed line instead of a solid one (a second cue beside colour). */
  readonly dashed?: boolean;
}

/** What a chart shows: lines, an optional band (interval) and horizontal reference lines. */
export interface ChartData {
  readonly series: readonly Series[];
  readonly band?: { readonly label: string; readonly x: ArrayLike<number>; readonly lower: ArrayLike<number>; readonly upper: ArrayLike<number> };
  readonly rules?: readonly { readonly label: string; readonly y: number }[];
}

const COLOURS = ['#1f5fbf', '#b35c00', '#2e7d32', '#6a1b9a'];
const PAD = { left: 48, right: 8, top: 8, bottom: 22 };

/**
 * A canvas line chart that stays fast for 100,000+ points: each series is reduced to one
 * min–max pair per pixel column before drawing (what the eye could see anyway), so drawing
 * costs one pass over the data plus the canvas width, not one path segment per point.
 */
export function lineChart(data: ChartData, options: { readonly width?: number; readonly height?: number; readonly title: string }): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const width = options.width ?? 720;
  const height = options.height ?? 220;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = '100%';
  canvas.style.maxWidth = `${width}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', describe(data, options.title));
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  ctx.scale(ratio, ratio);
  const bounds = extent(data);
  if (!bounds) {
    ctx.fillText('no data', width / 2 - 20, height / 2);
    return canvas;
  }
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const px = (x: number) => PAD.left + ((x - bounds.x0) / (bounds.x1 - bounds.x0 || 1)) * plotW;
  const py = (y: number) => PAD.top + plotH - ((y - bounds.y0) / (bounds.y1 - bounds.y0 || 1)) * plotH;

  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#333';
  ctx.strokeStyle = '#bbb';
  ctx.strokeRect(PAD.left, PAD.top, plotW, plotH);
  ctx.fillText(short(bounds.y1), 2, PAD.top + 10);
  ctx.fillText(short(bounds.y0), 2, PAD.top + plotH);
  ctx.fillText(new Date(bounds.x0).toLocaleTimeString(), PAD.left, height - 6);
  const end = new Date(bounds.x1).toLocaleTimeString();
  ctx.fillText(end, width - PAD.right - ctx.measureText(end).width, height - 6);

  if (data.band) {
    const { x, lower, upper } = data.band;
    ctx.fillStyle = 'rgba(31, 95, 191, 0.15)';
    ctx.beginPath();
    for (let i = 0; i < x.length; i++) ctx.lineTo(px(x[i]!), py(upper[i]!));
    for (let i = x.length - 1; i >= 0; i--) ctx.lineTo(px(x[i]!), py(lower[i]!));
    ctx.closePath();
    ctx.fill();
  }
  for (const rule of data.rules ?? []) {
    ctx.strokeStyle = '#c62828';
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(PAD.left, py(rule.y));
    ctx.lineTo(PAD.left + plotW, py(rule.y));
    ctx.stroke();
    ctx.fillStyle = '#c62828';
    ctx.fillText(rule.label, PAD.left + 4, py(rule.y) - 3);
  }
  data.series.forEach((s, i) => {
    ctx.strokeStyle = COLOURS[i % COLOURS.length]!;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.lineWidth = 1;
    drawDecimated(ctx, s, px, py, PAD.left, plotW);
  });
  return canvas;
}

/** Draws `s` as one vertical min–max stroke per pixel column, joined column to column. */
function drawDecimated(ctx: CanvasRenderingContext2D, s: Series, px: (x: number) => number, py: (y: number) => number, left: number, plotW: number): void {
  const columns = Math.max(1, Math.ceil(plotW));
  const min = new Float64Array(columns).fill(Infinity);
  const max = new Float64Array(columns).fill(-Infinity);
  const first = new Float64Array(columns).fill(NaN);
  const last = new Float64Array(columns);
  for (let i = 0; i < s.x.length; i++) {
    const y = s.y[i]!;
    if (!Number.isFinite(y)) continue;
    const c = Math.min(columns - 1, Math.max(0, Math.floor(px(s.x[i]!) - left)));
    if (y < min[c]!) min[c] = y;
    if (y > max[c]!) max[c] = y;
    if (Number.isNaN(first[c]!)) first[c] = y;
    last[c] = y;
  }
  ctx.beginPath();
  let started = false;
  for (let c = 0; c < columns; c++) {
    if (min[c] === Infinity) continue;
    const x = left + c + 0.5;
    if (!started) ctx.moveTo(x, py(first[c]!));
    else ctx.lineTo(x, py(first[c]!));
    started = true;
    ctx.moveTo(x, py(min[c]!));
    ctx.lineTo(x, py(max[c]!));
    ctx.moveTo(x, py(last[c]!));
  }
  ctx.stroke();
}

function extent(data: ChartData): { x0: number; x1: number; y0: number; y1: number } | undefined {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const take = (x: ArrayLike<number>, ys: ArrayLike<number>[]) => {
    for (let i = 0; i < x.length; i++) {
      if (x[i]! < x0) x0 = x[i]!;
      if (x[i]! > x1) x1 = x[i]!;
      for (const y of ys) {
        const v = y[i]!;
        if (!Number.isFinite(v)) continue;
        if (v < y0) y0 = v;
        if (v > y1) y1 = v;
      }
    }
  };
  for (const s of data.series) take(s.x, [s.y]);
  if (data.band) take(data.band.x, [data.band.lower, data.band.upper]);
  for (const r of data.rules ?? []) {
    y0 = Math.min(y0, r.y);
    y1 = Math.max(y1, r.y);
  }
  if (!Number.isFinite(x0) || !Number.isFinite(y0)) return undefined;
  const pad = (y1 - y0) * 0.05 || 1;
  return { x0, x1, y0: y0 - pad, y1: y1 + pad };
}

/** The chart in words, for screen readers and for anyone who cannot tell the colours apart. */
function describe(data: ChartData, title: string): string {
  const parts = data.series.map((s) => `${s.label}${s.dashed ? ' (dashed)' : ''}: ${s.y.length} points${s.y.length ? `, last ${short(s.y[s.y.length - 1]!)}` : ''}`);
  if (data.band) parts.push(`${data.band.label} shaded`);
  for (const r of data.rules ?? []) parts.push(`${r.label} at ${short(r.y)} (dotted)`);
  return `${title}. ${parts.join('; ')}`;
}

function short(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3);
}
