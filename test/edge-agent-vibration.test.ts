// The edge agent runs the vibration model too: a `vibration-folder` source replays window files,
// each window goes to the core on the telemetry topic (queued on disk while the broker is away)
// and is scored locally with the core's model, score and rule, so a weighted fan raises the
// `vibration-fault` alert on the edge while the core is unreachable; a window the model cannot
// read is forwarded but not scored. Generated windows always; real fan recordings when present.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgeAgent, VibrationFolderSource, type EdgeAgentOptions } from '@premonitor/edge-agent';
import { createLogger } from '@premonitor/log';
import { systemClock } from '@premonitor/time';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'edge-vibration-test', level: 'silent' });
const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fanDir = resolve(process.env['PM_SHARED_DATA_DIR'] ?? resolve(repoRoot, '../shared/data'), 'vibration-fan');
if (!existsSync(fanDir)) console.log(`NOTE: ${fanDir} not found (set PM_SHARED_DATA_DIR); the real fan windows are skipped`);

/** A fan at `hz` with an off-centre mass swinging `swing` g, as `x, y, z` lines. */
function generatedCsv(hz: number, swing: number, seed: number, samples = 200): string {
  return Array.from({ length: samples }, (_, i) => {
    const phase = (2 * Math.PI * hz * i) / 200;
    const noise = (k: number) => 0.01 * Math.sin(i * 12.9898 + seed * 7.1 + k * 78.233);
    return [swing * Math.cos(phase) + noise(1), swing * Math.sin(phase) + noise(2), 1 + 0.2 * swing * Math.sin(2 * phase) + noise(3)].map((v) => v.toFixed(5)).join(',');
  }).join('\n');
}

describe('edge agent: vibration windows scored locally', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  let agent: EdgeAgent | undefined;
  after(async () => {
    await agent?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Runs an agent whose broker is unreachable over the windows in `windowsDir` until it saw `windows`. */
  async function run(windowsDir: string, windows: number, extra: Partial<EdgeAgentOptions> = {}, sampleRateHz = 200) {
    const dataDir = await mkdtemp(join(tmpdir(), 'pm-edge-vib-'));
    dirs.push(dataDir);
    agent = new EdgeAgent({
      ref: { site: 'edge-vib', device: 'fan-1' },
      // Nothing listens there: the core is unreachable, so the edge rules raise by themselves.
      mqttUrl: 'mqtt://127.0.0.1:1',
      dataDir,
      sources: [new VibrationFolderSource({ name: 'fan', path: windowsDir, intervalMs: 1, loop: false, clock: systemClock, channels: ['x', 'y', 'z'], sampleRateHz })],
      queue: { maxBytes: 64 * 1024 * 1024, maxAgeMs: 0, fsync: 'never', replayPerSecond: 1_000 },
      frames: { mode: 'all', sampleEvery: 1, context: 0 },
      vibration: { modelFile: join(MODELS, 'vibration.onnx'), faultClasses: ['low+weight', 'med+weight', 'high+weight'] },
      heartbeatTimeoutMs: 0,
      statusIntervalMs: 60_000,
      clock: systemClock,
      logger,
      ...extra,
    });
    await agent.start();
    // The replay ends once its last window went through the agent (scored, queued, rules applied).
    await waitFor('the replay to end', () => agent!.status().sources?.['fan']?.state === 'stopped', 60_000);
    await agent.settled();
    assert.ok(agent.stats().queueDepth >= windows, `${windows} windows queued`);
    const stats = agent.stats();
    const log = existsSync(join(dataDir, 'alerts.log')) ? await readFile(join(dataDir, 'alerts.log'), 'utf8') : '';
    await agent.stop();
    agent = undefined;
    return { stats, log };
  }

  async function folderOf(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'pm-edge-windows-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  it('raises vibration-fault once on generated faulty windows, queues every window for the core', async () => {
    const dir = await folderOf(Object.fromEntries([0, 1, 2, 3, 4].map((n) => [`${String(n).padStart(4, '0')}.csv`, generatedCsv(12, 1.5, n)])));
    const { stats, log } = await run(dir, 5);
    assert.equal(stats.scored.vibration, 5);
    // Each window is one queued telemetry message, plus the edge alert.
    assert.equal(stats.queueDepth, 6);
    assert.equal(stats.localAlerts, 1);
    const alerts = log.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; severity: string });
    assert.deepEqual(alerts.map((a) => [a.rule, a.severity]), [['vibration-fault', 'WARNING']]);
  });

  it('forwards but does not score windows the model cannot read (another rate, a short window)', async () => {
    const dir = await folderOf({ '0001.csv': generatedCsv(12, 1.5, 1), '0002.csv': generatedCsv(12, 1.5, 2, 150) });
    const wrongRate = await run(dir, 2, {}, 100);
    assert.deepEqual([wrongRate.stats.scored.vibration, wrongRate.stats.queueDepth, wrongRate.stats.localAlerts], [0, 2, 0]);
  });

  it('on real fan windows: quiet on the balanced fan, raises on the weighted one', { skip: !existsSync(fanDir) }, async () => {
    const lastFiles = async (folder: string, n: number) => (await readdir(join(fanDir, folder))).filter((f) => f.endsWith('.csv')).sort().slice(-n).map((f) => join(fanDir, folder, f));
    const copyTo = async (files: string[]) => {
      const dir = await mkdtemp(join(tmpdir(), 'pm-edge-fan-'));
      dirs.push(dir);
      await mkdir(dir, { recursive: true });
      await Promise.all(files.map((f, i) => copyFile(f, join(dir, `${String(i).padStart(4, '0')}.csv`))));
      return dir;
    };
    const balanced = await run(await copyTo(await lastFiles('fan_0_high_0_weight', 6)), 6);
    assert.deepEqual([balanced.stats.scored.vibration, balanced.stats.localAlerts], [6, 0]);
    const weighted = await run(await copyTo(await lastFiles('fan_0_high_1_weight', 6)), 6);
    assert.deepEqual([weighted.stats.scored.vibration, weighted.stats.localAlerts], [6, 1]);
  });
});
