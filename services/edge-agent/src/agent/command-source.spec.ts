import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@premonitor/log';
import { systemClock } from '@premonitor/time';
import { CommandSource } from './command-source.js';
import type { SensorSample } from './sensor-source.js';
import { SourceSupervisor } from './source-supervisor.js';

const logger = createLogger({ service: 'edge-agent-spec', level: 'silent' });

describe('CommandSource under the SourceSupervisor', () => {
  it('cuts stdout into 1 s frames, reports the exit in the source state, and restarts with backoff while other sources run', async () => {
    const samples: SensorSample[] = [];
    // 2.5 s of silence at 16 kHz s16le, then a failure.
    const mic = new CommandSource({ name: 'mic', command: 'sh', args: ['-c', 'head -c 80000 /dev/zero; echo "no device" >&2; exit 3'], kind: 'acoustic', clock: systemClock });
    const other = { name: 'other', run: async (sink: (s: SensorSample) => Promise<void>, signal: AbortSignal) => {
      while (!signal.aborted) {
        await sink({ type: 'telemetry', ts: Date.now(), readings: { x: 1 } });
        await new Promise((r) => setTimeout(r, 20));
      }
    } };
    const supervisor = new SourceSupervisor({ sources: [mic, other], sink: async (s) => void samples.push(s), initialBackoffMs: 50, clock: systemClock, logger });
    supervisor.start();
    const deadline = Date.now() + 10_000;
    while ((supervisor.states()['mic']?.restarts ?? 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const state = supervisor.states()['mic']!;
    await supervisor.stop();
    assert.ok(state.restarts >= 2, `restarts ${state.restarts}`);
    assert.match(state.lastError ?? '', /exited with code 3: no device/);
    const frames = samples.filter((s) => s.type === 'acoustic');
    assert.ok(frames.length >= 4, `frames ${frames.length}`);
    for (const f of frames) assert.equal(f.type === 'acoustic' && f.samples.length, 16_000);
    assert.ok(samples.some((s) => s.type === 'telemetry'), 'the other source kept running');
    assert.equal(supervisor.states()['other']?.state, 'ok');
  });
});
