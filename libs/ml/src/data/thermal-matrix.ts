import { InputLimitError, ThermalMatrixError } from './data-errors.js';

/** How to read a thermal matrix. */
export interface ParseThermalMatrixOptions {
  /** `csv`: one row per line, cells split by `,`, `;` or whitespace; `json`: a 2-D array or `{width, height, data}`. */
  readonly format: 'csv' | 'json';
  /** Lowest plausible value, °C (default −40, the MLX90640's range). */
  readonly minCelsius?: number;
  /** Highest plausible value, °C (default 300). */
  readonly maxCelsius?: number;
  /** Most cells accepted (default 1 048 576). */
  readonly maxCells?: number;
  /** Widest frame accepted, pixels (default: no bound beyond `maxCells`). */
  readonly maxWidth?: number;
  /** Tallest frame accepted, pixels (default: no bound beyond `maxCells`). */
  readonly maxHeight?: number;
}

/** A parsed frame, row-major. */
export interface ThermalMatrix {
  readonly width: number;
  readonly height: number;
  readonly celsius: Float32Array;
}

/**
 * Parses a thermal frame exported as CSV or JSON, checking that it is rectangular, every
 * value is a finite number in the plausible °C range, and its size is within limits.
 * Malformed input throws `ThermalMatrixError` naming the 1-based row (CSV: the line) and
 * column; input beyond `maxCells`, `maxWidth` or `maxHeight` throws `InputLimitError`.
 * In CSV, `#` lines and blank lines are skipped, one trailing delimiter per line is
 * tolerated, and with `;` as the delimiter a decimal comma is accepted.
 */
export function parseThermalMatrix(text: string, options: ParseThermalMatrixOptions): ThermalMatrix {
  const maxCells = options.maxCells ?? 1 << 20;
  // Each cell needs at least two characters (digit + delimiter), so this bounds work early.
  if (text.length > maxCells * 24) {
    throw new InputLimitError('size', text.length, `at most ${maxCells * 24} characters`, `input of ${text.length} characters exceeds the limit for ${maxCells} cells`);
  }
  const rows = options.format === 'csv' ? csvRows(text) : jsonRows(text);
  if (rows.length === 0) throw new ThermalMatrixError('the matrix has no rows');
  const width = rows[0]!.cells.length;
  if (width === 0) throw new ThermalMatrixError('the first row is empty', { row: rows[0]!.line });
  if (options.maxWidth !== undefined && width > options.maxWidth) {
    throw new InputLimitError('width', width, `at most ${options.maxWidth} pixels`, `the frame is ${width} pixels wide; at most ${options.maxWidth} are accepted`);
  }
  if (options.maxHeight !== undefined && rows.length > options.maxHeight) {
    throw new InputLimitError('height', rows.length, `at most ${options.maxHeight} pixels`, `the frame is ${rows.length} pixels high; at most ${options.maxHeight} are accepted`);
  }
  if (width * rows.length > maxCells) {
    throw new InputLimitError('cells', width * rows.length, `at most ${maxCells} cells`, `${width}×${rows.length} cells exceed the limit of ${maxCells}`);
  }
  const min = options.minCelsius ?? -40;
  const max = options.maxCelsius ?? 300;
  const celsius = new Float32Array(width * rows.length);
  for (const [r, row] of rows.entries()) {
    if (row.cells.length !== width) {
      throw new ThermalMatrixError(`row ${row.line} has ${row.cells.length} values but the first row has ${width}`, { row: row.line });
    }
    for (const [c, cell] of row.cells.entries()) {
      const value = typeof cell === 'number' ? cell : parseCell(cell);
      if (!Number.isFinite(value)) {
        throw new ThermalMatrixError(`row ${row.line}, column ${c + 1}: ${JSON.stringify(cell)} is not a finite number`, { row: row.line, column: c + 1 });
      }
      if (value < min || value > max) {
        throw new ThermalMatrixError(`row ${row.line}, column ${c + 1}: ${value} °C is outside the plausible range [${min}, ${max}]`, { row: row.line, column: c + 1 });
      }
      celsius[r * width + c] = value;
    }
  }
  return { width, height: rows.length, celsius };
}

interface Row {
  /** 1-based position reported in errors. */
  readonly line: number;
  readonly cells: readonly unknown[];
}

function csvRows(text: string): Row[] {
  const semicolon = text.includes(';');
  const splitter = semicolon ? /\s*;\s*/ : text.includes(',') ? /\s*,\s*/ : /\s+/;
  const rows: Row[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(splitter);
    if (cells.length > 1 && cells[cells.length - 1] === '') cells.pop();
    rows.push({ line: i + 1, cells: semicolon ? cells.map((c) => c.replace(',', '.')) : cells });
  }
  return rows;
}

function parseCell(cell: unknown): number {
  if (typeof cell !== 'string' || cell.trim() === '') return Number.NaN;
  // Number() rather than parseFloat: "21.5abc" must be rejected, not read as 21.5.
  return Number(cell);
}

function jsonRows(text: string): Row[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ThermalMatrixError('the JSON is not well-formed', {}, { cause: error });
  }
  if (Array.isArray(parsed)) return arrayRows(parsed);
  if (typeof parsed === 'object' && parsed !== null && 'data' in parsed) {
    const { width, height, data } = parsed as { width?: unknown; height?: unknown; data: unknown };
    if (!(Number.isInteger(width) && Number.isInteger(height) && (width as number) > 0 && (height as number) > 0)) {
      throw new ThermalMatrixError('{width, height, data}: width and height must be positive integers');
    }
    const w = width as number;
    const h = height as number;
    if (!Array.isArray(data)) throw new ThermalMatrixError('{width, height, data}: data must be an array');
    if (data.length > 0 && Array.isArray(data[0])) {
      if (data.length !== h) throw new ThermalMatrixError(`data has ${data.length} rows but height is ${h}`);
      const rows = arrayRows(data);
      if (rows[0]!.cells.length !== w) throw new ThermalMatrixError(`row 1 has ${rows[0]!.cells.length} values but width is ${w}`, { row: 1 });
      return rows;
    }
    if (data.length !== w * h) throw new ThermalMatrixError(`data has ${data.length} values but width × height is ${w * h}`);
    return Array.from({ length: h }, (_, r) => ({ line: r + 1, cells: data.slice(r * w, (r + 1) * w) as unknown[] }));
  }
  throw new ThermalMatrixError('JSON must be a 2-D array or an object {width, height, data}');
}

function arrayRows(rows: readonly unknown[]): Row[] {
  return rows.map((row, i) => {
    if (!Array.isArray(row)) throw new ThermalMatrixError(`row ${i + 1} is not an array`, { row: i + 1 });
    return { line: i + 1, cells: row as unknown[] };
  });
}
