import { quantile } from '../evaluation/roc.js';
import type { RocPoint } from '../evaluation/roc.js';
import { encodePng } from './png-encoder.js';
import { Raster } from './raster.js';
import type { Rgb } from './raster.js';

/** What the report picture shows: ROC curves on the left, a score histogram on the right. */
export interface ReportChart {
  readonly title: string;
  /** One ROC curve per group (per SNR, per fault kind), with its label. */
  readonly curves: readonly { readonly label: string; readonly points: readonly RocPoint[] }[];
  readonly histogram: {
    readonly xLabel: string;
    readonly normal: readonly number[];
    readonly anomalous: readonly number[];
    /** Decision threshold on the histogram's axis. */
    readonly threshold: number;
  };
}

const PALETTE: readonly Rgb[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194]];
const GREY: Rgb = [150, 150, 150];
const BLACK: Rgb = [20, 20, 20];
const NORMAL: Rgb = [44, 160, 44];
const ANOMALY: Rgb = [214, 39, 40];
const W = 1000;
const H = 480;
const PLOT = 360;

/** Renders the chart as a 1000×480 PNG. */
export function renderReportChart(chart: ReportChart): Uint8Array {
  const r = new Raster(W, H);
  r.text(20, 12, chart.title, BLACK, 2);
  drawRoc(r, chart, 60, 60);
  drawHistogram(r, chart.histogram, 560, 60);
  return encodePng(W, H, r.pixels);
}

function frame(r: Raster, x0: number, y0: number): void {
  r.line(x0, y0, x0, y0 + PLOT, BLACK);
  r.line(x0, y0 + PLOT, x0 + PLOT, y0 + PLOT, BLACK);
  r.line(x0 + PLOT, y0, x0 + PLOT, y0 + PLOT, GREY);
  r.line(x0, y0, x0 + PLOT, y0, GREY);
}

function drawRoc(r: Raster, chart: ReportChart, x0: number, y0: number): void {
  frame(r, x0, y0);
  r.line(x0, y0 + PLOT, x0 + PLOT, y0, GREY);
  r.line(x0 + PLOT * 0.1, y0, x0 + PLOT * 0.1, y0 + PLOT, [220, 220, 220]);
  for (const v of [0, 0.5, 1]) {
    r.text(x0 + v * PLOT - 8, y0 + PLOT + 6, v.toFixed(1), BLACK);
    r.text(x0 - 26, y0 + PLOT - v * PLOT - 3, v.toFixed(1), BLACK);
  }
  r.text(x0 + PLOT / 2 - 60, y0 + PLOT + 20, 'false positive rate', BLACK);
  r.text(x0 - 50, y0 - 14, 'ROC - true positive rate', BLACK);
  chart.curves.forEach((curve, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    for (let k = 1; k < curve.points.length; k++) {
      const a = curve.points[k - 1]!;
      const b = curve.points[k]!;
      r.line(x0 + a.fpr * PLOT, y0 + PLOT - a.tpr * PLOT, x0 + b.fpr * PLOT, y0 + PLOT - b.tpr * PLOT, colour, 2);
    }
    r.fillRect(x0 + PLOT - 170, y0 + PLOT - 20 - 14 * (chart.curves.length - i), 10, 8, colour);
    r.text(x0 + PLOT - 155, y0 + PLOT - 20 - 14 * (chart.curves.length - i), curve.label, BLACK);
  });
}

function drawHistogram(r: Raster, h: ReportChart['histogram'], x0: number, y0: number): void {
  frame(r, x0, y0);
  const all = [...h.normal, ...h.anomalous, h.threshold].filter(Number.isFinite);
  const lo = Math.min(...all);
  // Clip the long faulty tail at the 98th percentile (the last bin collects the rest) so the
  // overlap around the threshold, the interesting part, stays readable.
  const hi = Math.max(quantile(all, 0.98), h.threshold) + 1e-9;
  const bins = 40;
  const count = (values: readonly number[]): number[] => {
    const c = new Array<number>(bins).fill(0);
    for (const v of values) c[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]! += 1 / Math.max(1, values.length);
    return c;
  };
  const normal = count(h.normal);
  const anomalous = count(h.anomalous);
  const peak = Math.max(...normal, ...anomalous, 1e-9);
  const bw = PLOT / bins;
  for (let b = 0; b < bins; b++) {
    // Side by side in each bin so neither class hides the other.
    r.fillRect(x0 + b * bw, y0 + PLOT - (normal[b]! / peak) * PLOT, bw / 2, (normal[b]! / peak) * PLOT, NORMAL);
    r.fillRect(x0 + b * bw + bw / 2, y0 + PLOT - (anomalous[b]! / peak) * PLOT, bw / 2, (anomalous[b]! / peak) * PLOT, ANOMALY);
  }
  const tx = x0 + ((h.threshold - lo) / (hi - lo)) * PLOT;
  r.line(tx, y0, tx, y0 + PLOT, BLACK, 1);
  r.text(tx + 60 > x0 + PLOT ? tx - 58 : tx + 4, y0 + 4, 'threshold', BLACK);
  r.text(x0, y0 + PLOT + 6, lo.toFixed(2), BLACK);
  r.text(x0 + PLOT - 30, y0 + PLOT + 6, `>${hi.toFixed(2)}`, BLACK);
  r.text(x0 + PLOT / 2 - 40, y0 + PLOT + 20, h.xLabel, BLACK);
  r.text(x0, y0 - 14, 'share of clips per bin', BLACK);
  r.fillRect(x0 + PLOT - 140, y0 + 20, 10, 8, NORMAL);
  r.text(x0 + PLOT - 126, y0 + 20, `normal (${h.normal.length})`, BLACK);
  r.fillRect(x0 + PLOT - 140, y0 + 36, 10, 8, ANOMALY);
  r.text(x0 + PLOT - 126, y0 + 36, `anomalous (${h.anomalous.length})`, BLACK);
}
