import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTraining } from './train-process.js';
import type { TrainJob } from './train-job.js';

/** The nice value of a process's main thread (field 19 of /proc/<pid>/stat). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

test('the training child runs at the job\'s nice value from the moment it is forked, before it has loaded its modules', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  // 17: neither 0 nor the nice a test run may have (10); the child inherits its parent's otherwise.
  const job: TrainJob = { kind: 'thermal', sampleStoreDir: '/nonexistent', samples: [], quick: true, heldOutFraction: 0.3, splitSeed: 1, shuffleLabels: false, invertLabels: false, nice: 17, now: 0 };
  const child = startTraining(job, 'process');
  try {
    // Loading the trainers takes the child more than a second of CPU: this reads the value set by the parent, not by the child itself.
    assert.equal(niceOf(child.pid!), 17);
  } finally {
    await child.terminate();
  }
});
