import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsvRowParser, detectSeparator, parseTimestamp, readCsvSeries, sanitizeReadingKey, type CsvSkip } from './csv-series.js';

const SKAB_HEADER = 'datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint';

function tempCsv(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pm-csv-')), 'series.csv');
  writeFileSync(path, text);
  return path;
}

describe('CSV header', () => {
  it('detects ; , and tab separators', () => {
    assert.equal(detectSeparator(SKAB_HEADER), ';');
    assert.equal(detectSeparator('timestamp,value'), ',');
    assert.equal(detectSeparator('time\ta\tb'), '\t');
  });

  it('sanitises column names into reading keys', () => {
    assert.equal(sanitizeReadingKey('Volume Flow RateRMS'), 'Volume_Flow_RateRMS');
    assert.equal(sanitizeReadingKey(' temp (°C) '), 'temp___C_');
    assert.equal(sanitizeReadingKey('x'.repeat(80)).length, 64);
  });

  it('gives repeated keys a suffix and leaves out skipped columns', () => {
    const parser = createCsvRowParser('t,a b,a_b,anomaly', { skipColumns: ['anomaly'] });
    assert.deepEqual(parser.header.keys, ['a_b', 'a_b_2', undefined]);
  });
});

describe('parseTimestamp', () => {
  it('reads YYYY-MM-DD HH:MM:SS as UTC', () => {
    assert.equal(parseTimestamp('2020-03-09 10:14:33'), Date.UTC(2020, 2, 9, 10, 14, 33));
    assert.equal(parseTimestamp('2020-03-09T10:14:33.250Z'), Date.UTC(2020, 2, 9, 10, 14, 33, 250));
    assert.equal(parseTimestamp('2020-03-09 12:14:33+02:00'), Date.UTC(2020, 2, 9, 10, 14, 33));
  });

  it('reads epoch seconds and milliseconds, and refuses other text', () => {
    assert.equal(parseTimestamp('1583748873'), 1_583_748_873_000);
    assert.equal(parseTimestamp('1583748873000'), 1_583_748_873_000);
    assert.equal(parseTimestamp('yesterday'), undefined);
  });
});

describe('readCsvSeries', () => {
  it('reads a SKAB file (;) with every column as a reading', async () => {
    const path = tempCsv(`${SKAB_HEADER}\n2020-03-09 10:14:33;0.0265878;0.0401113;1.3302;0.054711;79.3366;26.0199;233.062;32.0;0.0;0.0\n2020-03-09 10:14:34;0.0261697;0.0404525;1.35399;0.382638;79.5158;26.0258;236.04;32.0;1.0;0.0\n`);
    const rows = [];
    for await (const row of readCsvSeries(path)) rows.push(row);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.ts, Date.UTC(2020, 2, 9, 10, 14, 33));
    assert.deepEqual(Object.keys(rows[0]!.readings), [
      'Accelerometer1RMS', 'Accelerometer2RMS', 'Current', 'Pressure', 'Temperature', 'Thermocouple', 'Voltage', 'Volume_Flow_RateRMS', 'anomaly', 'changepoint',
    ]);
    assert.equal(rows[1]!.readings.anomaly, 1);
    assert.equal(rows[0]!.readings.Volume_Flow_RateRMS, 32);
  });

  it('reads a NAB file (,) and skips rows with non-numeric values, counting them', async () => {
    const path = tempCsv('timestamp,value\r\n2013-07-04 00:00:00,69.88\r\n2013-07-04 01:00:00,n/a\r\n\r\n2013-07-04 02:00:00,\r\nnot-a-date,1\r\n2013-07-04 03:00:00,70.5\r\n');
    const skips: CsvSkip[] = [];
    const rows = [];
    for await (const row of readCsvSeries(path, { onSkip: (s) => skips.push(s) })) rows.push(row);
    assert.deepEqual(rows.map((r) => r.readings.value), [69.88, 70.5]);
    assert.deepEqual(skips.map((s) => s.line), [3, 5, 6]);
    assert.match(skips[0]!.reason, /not a number/);
    assert.match(skips[2]!.reason, /timestamp/);
  });

  it('stops after maxRows usable rows', async () => {
    const lines = ['t,v', ...Array.from({ length: 50 }, (_, i) => `${1_600_000_000 + i},${i}`)];
    const rows = [];
    for await (const row of readCsvSeries(tempCsv(lines.join('\n')), { maxRows: 7 })) rows.push(row);
    assert.equal(rows.length, 7);
    assert.equal(rows[6]!.readings.v, 6);
  });

  it('refuses a header without reading columns', async () => {
    await assert.rejects(async () => {
      for await (const _ of readCsvSeries(tempCsv('timestamp\n2020-01-01 00:00:00\n')));
    }, /no reading columns/);
  });
});
