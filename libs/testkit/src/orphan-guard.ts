import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

/**
 * Kills `child` (SIGKILL) if this process ends while the child still runs. A test file that the
 * runner stops on its timeout (SIGTERM), or that exits before its `after` hooks ran, otherwise
 * leaves its platform or broker running: CI found embedded platforms of a timed-out file still
 * running, and taking CPU, an hour after their run.
 *
 * On SIGTERM, SIGINT or SIGHUP the children are killed and the signal raised again, so this
 * process still ends as the signal asks — unless the process handles the signal itself (a fault
 * case cleans up on SIGTERM), in which case its handler decides and the children go at exit.
 */
export function killWithThisProcess(child: ChildProcess): void {
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 0) return;
      killAll();
      process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}
