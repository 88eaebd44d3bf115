// Inference's bounded store of recent frames (issue 14), on both databases: every high-scoring
// frame and one in N normal ones are kept per device, the oldest are evicted beyond the count
// limit and past the age limit (each eviction counted by reason), a redelivered frame is stored
// once with its score and wire bytes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '@premonitor/log';
import { RecentFrames, type ScoredWireFrame } from '@premonitor/inference';
import { ManualClock } from '@premonitor/time';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';

const logger = createLogger({ service: 'recent-frames-test', level: 'silent' });
const HOUR = 3_600_000;

for (const mode of await busAndDatabaseModes('recent-frames', logger)) {
  describe(`recent frames, ${mode.name}`, { skip: mode.skip }, () => {
    const site = `rf-${randomBytes(4).toString('hex')}`;
    const clock = new ManualClock(Date.now());
    const registry = new Registry();
    const kept = new Counter({ name: 'kept', help: 'kept', labelNames: ['kind', 'why'], registers: [registry] });
    const evicted = new Counter({ name: 'evicted', help: 'evicted', labelNames: ['kind', 'reason'], registers: [registry] });
    let env: BusAndDatabase;
    let store: RecentFrames;
    let seq = 0;
    const t0 = Date.now() - HOUR;

    const frame = (device: string, score: number): ScoredWireFrame => {
      seq++;
      return { ref: { site, device }, seq, ts: t0 + seq * 1_000, score, data: Uint8Array.from([seq & 0xff, 1, 2, 3]) };
    };
    const count = async (name: 'kept' | 'evicted', label: string) => (await registry.getSingleMetric(name)!.get()).values.filter((v) => Object.values(v.labels).includes(label)).reduce((a, v) => a + v.value, 0);
    const storedSeqs = async (device: string) =>
      (await env.db.db.selectFrom('recent_frames').select('seq').where('device_id', '=', `${site}/${device}`).orderBy('seq').execute()).map((r) => Number(r.seq));

    before(async () => {
      env = await mode.open();
      store = new RecentFrames(env.db.db, 'acoustic', { maxFramesPerDevice: 3, maxAgeMs: HOUR, highScore: 0.5, normalOneIn: 4 }, { kept, evicted }, clock);
    });
    after(async () => {
      await env?.stop();
    });

    it('keeps every high scorer and one in N normal frames per device, evicting the oldest beyond the count limit', async () => {
      const normals = Array.from({ length: 8 }, () => frame('fan-1', 0.1));
      await store.keep(normals);
      assert.deepEqual(await storedSeqs('fan-1'), [normals[3]!.seq, normals[7]!.seq], 'the 4th and the 8th normal frame');
      const highs = [frame('fan-1', 0.9), frame('fan-1', 0.5), frame('fan-1', 0.7)];
      await store.keep(highs);
      assert.deepEqual(await storedSeqs('fan-1'), highs.map((f) => f.seq), 'the newest three; the two sampled ones evicted');
      assert.equal(await count('evicted', 'count'), 2);
      assert.equal(await count('kept', 'high'), 3);
      assert.equal(await count('kept', 'sample'), 2);

      await store.keep([highs[0]!]);
      assert.equal((await storedSeqs('fan-1')).length, 3, 'a redelivered frame is stored once');

      const rows = await env.db.db.selectFrom('recent_frames').select(['seq', 'score', 'why', 'payload']).where('device_id', '=', `${site}/fan-1`).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => [Number(r.seq), r.score, r.why, [...r.payload]]), highs.map((f) => [f.seq, f.score, 'high', [...f.data]]), 'score, why and the wire bytes kept');
    });

    it('evicts frames older than the age limit, of every device, counting them as age', async () => {
      clock.advance(2 * HOUR);
      await store.keep([frame('fan-2', 0.95)]);
      assert.deepEqual(await storedSeqs('fan-1'), [], 'fan-1 kept nothing past the age limit');
      assert.equal((await storedSeqs('fan-2')).length, 1);
      assert.equal(await count('evicted', 'age'), 3);
    });
  });
}
