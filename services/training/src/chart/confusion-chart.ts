import { GLYPH_WIDTH } from './bitmap-font.js';
import { encodePng } from './png-encoder.js';
import { Raster } from './raster.js';
import type { Rgb } from './raster.js';

/** A confusion matrix to draw: `matrix[true][predicted]` counts in the order of `classes`. */
export interface ConfusionChart {
  readonly title: string;
  readonly classes: readonly string[];
  readonly matrix: readonly (readonly number[])[];
}

const CELL = 46;
const LEFT = 130;
const TOP = 150;
const BLACK: Rgb = [20, 20, 20];
const WHITE: Rgb = [255, 255, 255];

/**
 * Renders the matrix as a PNG: one cell per (true, predicted) pair holding the count, shaded by
 * the share of its row (the true class's recall on the diagonal), so rare classes read as well
 * as the large normal class. Column labels are written vertically, letter under letter.
 */
export function renderConfusionChart(chart: ConfusionChart): Uint8Array {
  const n = chart.classes.length;
  const width = LEFT + n * CELL + 20;
  const height = TOP + n * CELL + 40;
  const r = new Raster(width, height);
  r.text(10, 10, chart.title, BLACK, 2);
  r.text(LEFT, 34, 'predicted class (columns), true class (rows); shade = share of the row', BLACK);
  chart.classes.forEach((name, k) => {
    r.text(8, TOP + k * CELL + CELL / 2 - 3, name.slice(0, 20), BLACK);
    [...name.slice(0, 12)].forEach((ch, j) => r.text(LEFT + k * CELL + CELL / 2 - 3, TOP - 106 + j * 8, ch, BLACK));
  });
  chart.matrix.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, p) => {
      const share = count / total;
      // Diagonal in blue, errors in red; white when empty.
      const tint: Rgb = t === p ? [31, 119, 180] : [214, 39, 40];
      const shade = (ch: number): number => Math.round(255 - (255 - ch) * Math.min(1, share * 1.2));
      const colour: Rgb = [shade(tint[0]), shade(tint[1]), shade(tint[2])];
      r.fillRect(LEFT + p * CELL, TOP + t * CELL, CELL - 1, CELL - 1, colour);
      const label = String(count);
      r.text(LEFT + p * CELL + (CELL - label.length * GLYPH_WIDTH) / 2, TOP + t * CELL + CELL / 2 - 3, label, share > 0.55 ? WHITE : BLACK);
    });
  });
  return encodePng(width, height, r.pixels);
}
