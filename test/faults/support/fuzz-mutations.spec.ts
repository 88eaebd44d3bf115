import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '@premonitor/ml/data';
import { FuzzMutator, type FuzzChannel } from './fuzz-mutations.js';
import { expectedFate } from './fuzz-oracle.js';

const NOW = 1_800_000_000_000;
const CHANNELS: FuzzChannel[] = ['telemetry', 'status', 'edge-alert', 'acoustic', 'thermal', 'wrong-topic'];

function draw(seed: number, n: number) {
  const m = new FuzzMutator({ site: 's', device: 'a' }, { site: 's', device: 'b' }, new SeededRandom(seed));
  return Array.from({ length: n }, (_, i) => m.next(CHANNELS[i % CHANNELS.length]!, NOW));
}

describe('fuzz mutations', () => {
  it('replays the same messages from the same seed', () => {
    const a = draw(5, 300);
    const b = draw(5, 300);
    assert.deepEqual(a.map((m) => [m.topic, m.mutation, m.payload.toString('base64')]), b.map((m) => [m.topic, m.mutation, m.payload.toString('base64')]));
    assert.notDeepEqual(a.map((m) => m.payload.toString('base64')), draw(6, 300).map((m) => m.payload.toString('base64')));
  });

  it('reaches every kind of mutation and mostly makes invalid messages', () => {
    const messages = draw(1, 6_000);
    assert.ok(new Set(messages.map((m) => m.mutation)).size >= 50);
    const fates = messages.map((m) => expectedFate(m, NOW, { maxJsonBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 }).fate);
    const invalid = fates.filter((f) => f === 'dead-letter').length / fates.length;
    assert.ok(invalid > 0.5 && invalid < 0.95, `invalid share ${invalid}`);
    assert.ok(fates.includes('stored') && fates.includes('either') && fates.includes('refused'));
  });

  it('leaves an identity mutation valid', () => {
    const valid = draw(2, 3_000).filter((m) => m.mutation === 'identity');
    assert.ok(valid.length > 0);
    for (const m of valid) assert.equal(expectedFate(m, NOW, { maxJsonBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 7 * 86_400_000 }).fate, 'stored', m.topic);
  });
});
