import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const guard = new URL('./orphan-guard.js', import.meta.url).href;

/** A process that starts a grandchild under the guard, prints its pid, and then idles (optionally handling SIGTERM itself). */
function parentWithGrandchild(ownSigterm: boolean) {
  const script = `
    const { spawn } = await import('node:child_process');
    const { killWithThisProcess } = await import(${JSON.stringify(guard)});
    const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    killWithThisProcess(grandchild);
    ${ownSigterm ? "process.once('SIGTERM', () => setTimeout(() => process.exit(7), 100));" : ''}
    console.log(grandchild.pid);
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => parent.once('exit', (code, signal) => resolve({ code, signal })));
  return { parent, pid, exited };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

describe('killWithThisProcess', () => {
  it('kills the child when this process is stopped by SIGTERM, and this process still ends by that signal', async () => {
    const { parent, pid, exited } = parentWithGrandchild(false);
    const grandchild = await pid;
    assert.ok(alive(grandchild));
    parent.kill('SIGTERM');
    assert.deepEqual(await exited, { code: null, signal: 'SIGTERM' });
    assert.ok(await gone(grandchild), 'the child outlived its parent');
  });

  it('leaves a SIGTERM the process handles itself to its handler, and kills the child at exit', async () => {
    const { parent, pid, exited } = parentWithGrandchild(true);
    const grandchild = await pid;
    parent.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 7, signal: null });
    assert.ok(await gone(grandchild), 'the child outlived its parent');
  });
});
