import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MAX_READINGS_PER_MESSAGE } from '@premonitor/contracts';

/** One usable row: its 1-based line number, timestamp (ms since epoch) and readings. */
export interface CsvRow {
  readonly line: number;
  readonly ts: number;
  readonly readings: Readonly<Record<string, number>>;
}

/** A row that was left out, and why. */
export interface CsvSkip {
  readonly line: number;
  readonly reason: string;
}

/** What the header said. */
export interface CsvHeader {
  readonly separator: string;
  readonly timestampColumn: string;
  /** Reading keys in column order, after sanitising (`undefined` for skipped columns). */
  readonly keys: readonly (string | undefined)[];
}

/** Options of {@link readCsvSeries} and {@link createCsvRowParser}. */
export interface CsvSeriesOptions {
  /** Columns to leave out, by raw or sanitised name. */
  readonly skipColumns?: readonly string[];
}

const SEPARATORS = [';', ',', '\t'] as const;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The separator that occurs most often in the header line (`;`, `,` or tab). */
export function detectSeparator(header: string): string {
  let best: string = ',';
  let bestCount = 0;
  for (const sep of SEPARATORS) {
    const count = header.split(sep).length - 1;
    if (count > bestCount) [best, bestCount] = [sep, count];
  }
  return best;
}

/** A column name as a reading key: characters outside `[A-Za-z0-9_.-]` become `_`, at most 64. */
export function sanitizeReadingKey(name: string): string {
  return name.trim().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.fff]` (or with `T`), read as UTC unless it carries `Z` or an
 * offset, or a bare epoch number (seconds below 10^11, milliseconds above). Undefined if
 * the text is neither.
 */
export function parseTimestamp(text: string): number | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    return Math.round(n < 1e11 ? n * 1000 : n);
  }
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.round(Number(`0${frac}`) * 1000));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** Splits one line, honouring double-quoted fields (`"a;b"`, `""` for a quote). */
export function splitCsvLine(line: string, separator: string): string[] {
  if (!line.includes('"')) return line.split(separator);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** Turns data lines into rows, given the header line. */
export interface CsvRowParser {
  readonly header: CsvHeader;
  parse(line: string, lineNumber: number): CsvRow | CsvSkip;
}

/**
 * Reads the header: the first column is the timestamp, every other column a reading whose
 * key is the sanitised column name (a repeated key gets `_2`, `_3`…). Throws when the header
 * has no reading column or more than a telemetry message may carry.
 */
export function createCsvRowParser(headerLine: string, options: CsvSeriesOptions = {}): CsvRowParser {
  const separator = detectSeparator(headerLine);
  const names = splitCsvLine(headerLine.replace(/^\uFEFF/, ''), separator).map((n) => n.trim());
  const skip = new Set(options.skipColumns ?? []);
  const used = new Set<string>();
  const keys = names.slice(1).map((name, i) => {
    let key = sanitizeReadingKey(name) || `column_${i + 2}`;
    if (skip.has(name) || skip.has(key)) return undefined;
    for (let n = 2; used.has(key); n++) key = `${sanitizeReadingKey(name).slice(0, 60) || `column_${i + 2}`}_${n}`;
    used.add(key);
    return key;
  });
  const kept = keys.filter((k) => k !== undefined).length;
  if (kept === 0) throw new Error(`CSV header '${headerLine.slice(0, 200)}' has no reading columns after the timestamp`);
  if (kept > MAX_READINGS_PER_MESSAGE) throw new Error(`CSV has ${kept} reading columns; a telemetry message carries at most ${MAX_READINGS_PER_MESSAGE} (use skipColumns)`);
  const header: CsvHeader = { separator, timestampColumn: names[0] ?? '', keys };

  return {
    header,
    parse(line, lineNumber) {
      const fields = splitCsvLine(line, separator);
      if (fields.length !== names.length) return { line: lineNumber, reason: `has ${fields.length} fields, the header has ${names.length}` };
      const ts = parseTimestamp(fields[0]!);
      if (ts === undefined) return { line: lineNumber, reason: `timestamp '${fields[0]}' is not YYYY-MM-DD HH:MM:SS or epoch` };
      const readings: Record<string, number> = {};
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (key === undefined) continue;
        const text = fields[i + 1]!.trim();
        const value = Number(text);
        if (!NUMBER.test(text) || !Number.isFinite(value)) return { line: lineNumber, reason: `column '${names[i + 1]}' is not a number ('${text.slice(0, 40)}')` };
        readings[key] = value;
      }
      return { line: lineNumber, ts, readings };
    },
  };
}

/**
 * Streams a CSV time series row by row (readline: memory stays flat however large the
 * file), yielding usable rows and reporting the others to `onSkip`. Stops after `maxRows`
 * usable rows. Blank lines are ignored.
 */
export async function* readCsvSeries(
  path: string,
  options: CsvSeriesOptions & { readonly maxRows?: number; readonly onSkip?: (skip: CsvSkip) => void; readonly onHeader?: (header: CsvHeader) => void } = {},
): AsyncGenerator<CsvRow> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let parser: CsvRowParser | undefined;
  let lineNumber = 0;
  let yielded = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      if (!parser) {
        parser = createCsvRowParser(line, options);
        options.onHeader?.(parser.header);
        continue;
      }
      if (options.maxRows !== undefined && yielded >= options.maxRows) break;
      const row = parser.parse(line, lineNumber);
      if ('reason' in row) options.onSkip?.(row);
      else {
        yielded++;
        yield row;
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (!parser) throw new Error(`CSV file ${path} is empty (no header line)`);
}
