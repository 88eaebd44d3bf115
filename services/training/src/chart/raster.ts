import { GLYPH_WIDTH, glyphPixel } from './bitmap-font.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** A white RGB canvas with the few drawing primitives the report charts need. */
export class Raster {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, colour: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    this.pixels.set(colour, (yi * this.width + xi) * 3);
  }

  fillRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let yy = Math.round(y); yy < Math.round(y + h); yy++) for (let xx = Math.round(x); xx < Math.round(x + w); xx++) this.set(xx, yy, colour);
  }

  /** A line `thickness` pixels wide (square brush), stepped along its longer axis. */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = Math.floor(thickness / 2);
    for (let i = 0; i <= steps; i++) {
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) this.set(x + dx, y + dy, colour);
    }
  }

  /** Text in the 5×7 font with its top-left corner at (x, y), magnified `scale` times. */
  text(x: number, y: number, text: string, colour: Rgb, scale = 1): void {
    [...text].forEach((ch, i) => {
      for (let gy = 0; gy < 7; gy++) {
        for (let gx = 0; gx < 5; gx++) {
          if (glyphPixel(ch, gx, gy)) this.fillRect(x + (i * GLYPH_WIDTH + gx) * scale, y + gy * scale, scale, scale, colour);
        }
      }
    });
  }
}
