import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeZodError } from './parse.js';
import { vibrationModelInput, vibrationWindowMessage } from './vibration-window.js';

const window = (rows = 200, width = 3, fill = (i: number, c: number) => Math.sin(i / 5 + c) * 0.3) => ({
  ts: 1_700_000_000_000,
  seq: 7,
  sampleRateHz: 200,
  channels: ['x', 'y', 'z', 'gx', 'gy', 'gz'].slice(0, width),
  samples: Array.from({ length: rows }, (_, i) => Array.from({ length: width }, (_, c) => fill(i, c))),
});
const fanModel = { channels: ['x', 'y', 'z'], steps: 200, sampleRateHz: 200 };

test('accepts a 200 × 3 accelerometer window at 200 Hz and a 6-axis IMU window', () => {
  assert.ok(vibrationWindowMessage.safeParse(window()).success);
  assert.ok(vibrationWindowMessage.safeParse(window(256, 6)).success);
});

test('refuses a ragged, too short, too long or non-finite window, naming the sample and channel', () => {
  const ragged = window();
  ragged.samples[17] = [0.1, 0.2];
  const cases: [unknown, RegExp][] = [
    [ragged, /sample 17 has 2 values, expected one per channel \(3\)/],
    [window(8), /samples/],
    [window(5000), /samples/],
    [window(200, 3, (i, c) => (i === 3 && c === 1 ? Number.NaN : 0)), /samples\.3\.1/],
    [window(200, 3, (i, c) => (i === 4 && c === 2 ? Number.POSITIVE_INFINITY : 0)), /samples\.4\.2/],
    [window(200, 3, (i, c) => (i === 9 && c === 0 ? 5e6 : 0)), /sample 9 of channel x is 5000000/],
    [{ ...window(), sampleRateHz: 0 }, /sampleRateHz/],
    [{ ...window(), channels: ['x', 'x', 'z'] }, /unique/],
    [{ ...window(), extra: 1 }, /extra/],
  ];
  for (const [input, reason] of cases) {
    const parsed = vibrationWindowMessage.safeParse(input);
    assert.equal(parsed.success, false, String(reason));
    assert.match(describeZodError(parsed.error!), reason);
  }
});

test('gives the model its input in its channel order, and refuses a window of another rate, length or axes', () => {
  const w = vibrationWindowMessage.parse({ ...window(), channels: ['z', 'x', 'y'] });
  const fitted = vibrationModelInput(w, fanModel);
  assert.ok(fitted.ok);
  assert.equal(fitted.input.length, 600);
  assert.equal(fitted.input[0], Math.fround(w.samples[0]![1]!), 'x first, from the second column');
  assert.match((vibrationModelInput({ ...w, sampleRateHz: 100 }, fanModel) as { reason: string }).reason, /100 Hz, the model needs 200 Hz/);
  assert.match((vibrationModelInput(vibrationWindowMessage.parse(window(256)), fanModel) as { reason: string }).reason, /256 samples/);
  assert.match((vibrationModelInput(vibrationWindowMessage.parse({ ...window(), channels: ['a', 'b', 'c'] }), fanModel) as { reason: string }).reason, /x, y, z missing/);
});
