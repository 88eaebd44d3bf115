/**
 * A 5×7 pixel font for chart labels: digits, capitals (lower case is drawn as capitals)
 * and the punctuation the reports use. Each glyph is 35 bits, row-major from the top-left.
 */
const GLYPHS = new Map<string, number>([
  ['0', 0x3a33ae62e],
  ['1', 0x11842108e],
  ['2', 0x3a211111f],
  ['3', 0x78217043e],
  ['4', 0x08ca97c42],
  ['5', 0x7e1e0862e],
  ['6', 0x1910f462e],
  ['7', 0x7c2222108],
  ['8', 0x3a317462e],
  ['9', 0x3a317844c],
  ['A', 0x3a31fc631],
  ['B', 0x7a31f463e],
  ['C', 0x3a308422e],
  ['D', 0x72518c65c],
  ['E', 0x7e10f421f],
  ['F', 0x7e10f4210],
  ['G', 0x3a30bc62f],
  ['H', 0x4631fc631],
  ['I', 0x38842108e],
  ['J', 0x1c4210a4c],
  ['K', 0x4654c5251],
  ['L', 0x42108421f],
  ['M', 0x4775ac631],
  ['N', 0x4639ace31],
  ['O', 0x3a318c62e],
  ['P', 0x7a31f4210],
  ['Q', 0x3a318d64d],
  ['R', 0x7a31f5251],
  ['S', 0x3e107043e],
  ['T', 0x7c8421084],
  ['U', 0x46318c62e],
  ['V', 0x46318c544],
  ['W', 0x4631ad6aa],
  ['X', 0x462a22a31],
  ['Y', 0x463151084],
  ['Z', 0x7c222221f],
  ['.', 0x00000018c],
  [',', 0x000003088],
  ['-', 0x0000f8000],
  ['+', 0x0084f9080],
  [':', 0x018c03180],
  ['=', 0x001f07c00],
  ['%', 0x632222263],
  ['(', 0x088842082],
  [')', 0x208210888],
  ['/', 0x002222200],
  ['_', 0x00000001f],
  ['*', 0x009575480],
  ['@', 0x3a37ade0e],
  ['<', 0x088882082],
  ['>', 0x208208888],
  ['#', 0x295f57d4a],
]);

/** Glyph cell size including one pixel of spacing. */
export const GLYPH_WIDTH = 6;
export const GLYPH_HEIGHT = 8;

/** Whether pixel (x, y) of `ch` is set; unknown characters are blank. */
export function glyphPixel(ch: string, x: number, y: number): boolean {
  const bits = GLYPHS.get(ch.toUpperCase());
  if (bits === undefined || x < 0 || x > 4 || y < 0 || y > 6) return false;
  // 35 bits exceed int32, so shift with division rather than >>.
  return Math.floor(bits / 2 ** (34 - (y * 5 + x))) % 2 === 1;
}
