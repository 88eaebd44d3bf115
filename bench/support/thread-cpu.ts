// CPU per thread of this process (Linux /proc/self/task), so a bench can say which threads
// competed with the event loop: the main thread, worker threads (identified by their nice
// value), libuv's pool, V8's platform (GC) threads. Elsewhere it measures nothing.
import { readFileSync, readdirSync } from 'node:fs';

/** One thread's CPU ticks so far. */
interface ThreadTicks {
  readonly name: string;
  readonly nice: number;
  readonly ticks: number;
}

/** CPU seconds per thread group between two snapshots. */
export interface ThreadCpuDelta {
  /** `main`, else the thread's name, with its nice value → CPU seconds, most first. */
  readonly groups: readonly { readonly group: string; readonly threads: number; readonly cpuS: number }[];
  readonly wallS: number;
}

const TICKS_PER_S = 100;

/** Every thread of this process now (empty where /proc is missing). */
export function threadTicks(): Map<string, ThreadTicks> {
  const out = new Map<string, ThreadTicks>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name is in parentheses and may contain spaces: the fields after it are fixed.
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // After the name: state(3) … utime(14) stime(15) … nice(19), counted from field 3 = index 0.
      out.set(tid, { name, nice: Number(fields[16]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Starts measuring; the returned function gives the CPU each thread group used since. */
export function measureThreadCpu(): () => ThreadCpuDelta {
  const before = threadTicks();
  const started = performance.now();
  return () => {
    const groups = new Map<string, { threads: number; ticks: number }>();
    for (const [tid, now] of threadTicks()) {
      // The main thread's id is the process id; every other thread of node is also called "node".
      const group = `${tid === String(process.pid) ? 'main' : now.name} nice=${now.nice}`;
      const g = groups.get(group) ?? { threads: 0, ticks: 0 };
      g.threads += 1;
      g.ticks += now.ticks - (before.get(tid)?.ticks ?? 0);
      groups.set(group, g);
    }
    return {
      wallS: (performance.now() - started) / 1000,
      groups: [...groups].map(([group, g]) => ({ group, threads: g.threads, cpuS: g.ticks / TICKS_PER_S })).sort((a, b) => b.cpuS - a.cpuS),
    };
  };
}

/** One line: `main 3.1 s, node nice=19 ×1 20.4 s, …` over the wall time. */
export function formatThreadCpu(d: ThreadCpuDelta): string {
  return `${d.groups.filter((g) => g.cpuS > 0).map((g) => `${g.group} ×${g.threads} ${g.cpuS.toFixed(2)} s`).join(', ')} (over ${d.wallS.toFixed(1)} s wall)`;
}
