import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { telemetryMessage } from './messages.js';
import { checkJsonValue } from './parse.js';
import { checkTelemetryMessage } from './telemetry-check.js';

const number = fc.oneof(
  fc.nat(),
  fc.constantFrom(0, -0, -1, 0xffff_ffff, 0xffff_ffff + 1, Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, 1e400, -1e400),
  fc.double({ noNaN: true }),
);
/** A number as JSON text: 1e400 parses to Infinity, `-0` to -0. */
const numberText = fc.oneof(number.map((n) => (Number.isFinite(n) ? String(n) : n > 0 ? '1e400' : '-1e400')), fc.constantFrom('-0', '1e400', '4294967295.0'));
const key = fc.oneof(
  fc.constantFrom('t', 'rpm', 'Temperature (°C)', 'motor.current', '__proto__', 'constructor', '1', ' lead', 'tab\there', '', 'x'.repeat(65), 'zero\u200bwidth'),
  fc.string({ maxLength: 8 }),
);
const value = fc.oneof({ weight: 6, arbitrary: numberText }, fc.constantFrom('"1"', 'null', 'true', '[]', '{}'));
const readings = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(key, value), { maxLength: 6 }) },
  fc.constant(Array.from({ length: 257 }, (_, i) => [`k${i}`, String(i)] as [string, string])),
  fc.constant(Array.from({ length: 256 }, (_, i) => [`k${i}`, String(i)] as [string, string])),
);
const field = (name: string, arbitrary: fc.Arbitrary<string>) => fc.option(arbitrary.map((v) => `"${name}":${v}`), { nil: undefined, freq: 8 });
/** JSON text as a device could send it: members present or not, in any type, extra members, `__proto__` keys. */
const payload = fc
  .record({
    ts: field('ts', fc.oneof(numberText, fc.constantFrom('"1"', 'null', '[]'))),
    seq: field('seq', fc.oneof(numberText, fc.constantFrom('"1"', 'null'))),
    readings: field(
      'readings',
      fc.oneof(
        { weight: 8, arbitrary: readings.map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) },
        fc.constantFrom('[]', 'null', '1'),
      ),
    ),
    extra: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, fc.constantFrom('"samples":[]', '"x":1', '"__proto__":{}')),
  })
  .map((r) => `{${[r.ts, r.seq, r.readings, r.extra].filter((m) => m !== undefined).join(',')}}`);
/** Messages a device would send (valid but for the odd key): the fast path's side of the comparison. */
const usual = fc
  .record({
    ts: fc.nat(),
    seq: fc.nat(),
    readings: fc.dictionary(fc.oneof(fc.constantFrom('t', 'rpm', 'Druck µbar', 'p_in[bar]'), key), fc.double({ noNaN: true, noDefaultInfinity: true }), { minKeys: 1, maxKeys: 6 }),
  })
  .map((m) => JSON.stringify(m));

describe('checkTelemetryMessage', () => {
  it('accepts and refuses exactly what the schema does, with the same value and reason', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(payload, usual), (text) => {
        const json = JSON.parse(text) as unknown;
        const expected = checkJsonValue(telemetryMessage, JSON.parse(text));
        const actual = checkTelemetryMessage(json);
        assert.deepEqual(actual, expected, text);
        if (actual.ok) accepted++;
        else refused++;
      }),
      { numRuns: 5_000 },
    );
    // Both sides were exercised, not one outcome 5,000 times.
    assert.ok(accepted > 200 && refused > 200, `accepted ${accepted}, refused ${refused}`);
  });

  it('accepts a plain message as parsed, without a copy', () => {
    const json = JSON.parse('{"ts":1700000000000,"seq":7,"readings":{"t":41.5,"rpm":1200}}') as unknown;
    const result = checkTelemetryMessage(json);
    assert.ok(result.ok);
    assert.equal(result.value, json);
  });

  it('leaves a reading named __proto__ to the schema', () => {
    const text = '{"ts":1,"seq":1,"readings":{"__proto__":1,"t":2}}';
    assert.deepEqual(checkTelemetryMessage(JSON.parse(text)), checkJsonValue(telemetryMessage, JSON.parse(text)));
  });
});
