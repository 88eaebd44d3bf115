import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StepResampler } from './step-resampler.js';
import { TelemetryWindowFeed } from './telemetry-window-feed.js';

describe('StepResampler', () => {
  it('fills short gaps with the last value, marks long ones, and drops late readings', () => {
    const r = new StepResampler(['a'], { stepMs: 1000, maxGapSteps: 2 });
    assert.deepEqual(r.push(0, 1, { a: 1 }), []);
    const short = r.push(3500, 2, { a: 2 });
    assert.deepEqual(short.map((s) => (s.type === 'row' ? s.values[0] : s.type)), [1, 1, 1]);
    const long = r.push(10_000, 3, { a: 3 });
    assert.deepEqual(long.map((s) => s.type), ['row', 'gap']);
    assert.deepEqual(r.push(5_000, 4, { a: 9 }), []);
    assert.equal(r.late, 1);
  });
});

describe('TelemetryWindowFeed', () => {
  it('emits a window of the contract per step once full, oldest row first, and starts over after a gap or a missing channel', () => {
    const feed = new TelemetryWindowFeed({ channels: ['b', 'a'], steps: 3, stepSeconds: 1 }, 1);
    const out = [0, 1, 2, 3].flatMap((i) => feed.push(i * 1000, i, { a: i, b: 10 * i, other: 5 }));
    // Step 3 is still open: rows 0, 1, 2 make one window, channels in the contract's order.
    assert.equal(out.length, 1);
    assert.deepEqual([...out[0]!.values], [0, 0, 10, 1, 20, 2]);
    assert.equal(out[0]!.ts, 2999);
    // Closing step 3 completes the window of rows 1..3; steps 4..7 empty (a gap beyond 1 step): the window starts over.
    assert.equal(feed.push(8000, 8, { a: 8, b: 80 }).length, 1);
    assert.equal([9, 10].flatMap((i) => feed.push(i * 1000, i, { a: i, b: 10 * i })).length, 0, 'three rows again before the next window');
    assert.equal(feed.push(11_000, 11, { a: 11, b: 110 }).length, 1);
    // Channel b silent for longer than the gap limit: its rows are incomplete, so no window.
    const silent = [12, 13, 14, 15].flatMap((i) => feed.push(i * 1000, i, { a: i }));
    assert.equal(silent.length, 2, 'steps 11 and 12 still have b (filled), 13 onwards do not');
  });
});
