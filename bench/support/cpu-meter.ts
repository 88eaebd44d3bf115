import { readdirSync, readFileSync } from 'node:fs';

/** Which processes make up one component: fixed pids, every process with a command name, or a lookup. */
export type ProcessGroup =
  | { readonly pids: readonly number[] }
  | { readonly comm: string }
  | { readonly resolve: () => Promise<readonly number[]> };

/** CPU used per component over a window: percent of one core (200 % = this machine's two cores). */
export interface CpuUsage {
  readonly seconds: number;
  readonly percent: ReadonlyMap<string, number>;
  /** Every process on the machine, from /proc/stat. */
  readonly machinePercent: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU used per component between `start()` and `stop()`, read from /proc — the evidence for
 * "where did the time go" on a machine where everything shares two cores (and other people's
 * work may share them too: `machinePercent` minus the components is everybody else).
 * Processes that exit during the window are missed; new ones count from their birth.
 */
export class CpuMeter {
  #start = new Map<string, Map<number, number>>();
  #startMachine = 0;
  #startedAt = 0;

  constructor(private readonly groups: ReadonlyMap<string, ProcessGroup>) {}

  async start(): Promise<void> {
    this.#start = await this.#snapshot();
    this.#startMachine = machineBusyTicks();
    this.#startedAt = performance.now();
  }

  async stop(): Promise<CpuUsage> {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const machine = machineBusyTicks() - this.#startMachine;
    const end = await this.#snapshot();
    const percent = new Map<string, number>();
    for (const [name, ticks] of end) {
      const before = this.#start.get(name) ?? new Map<number, number>();
      let used = 0;
      for (const [pid, t] of ticks) used += t - (before.get(pid) ?? 0);
      percent.set(name, toPercent(used, seconds));
    }
    return { seconds, percent, machinePercent: toPercent(machine, seconds) };
  }

  async #snapshot(): Promise<Map<string, Map<number, number>>> {
    const all = listProcesses();
    const out = new Map<string, Map<number, number>>();
    for (const [name, group] of this.groups) {
      const pids =
        'pids' in group ? group.pids : 'comm' in group ? [...all].filter(([, p]) => p.comm === group.comm).map(([pid]) => pid) : await group.resolve();
      const ticks = new Map<number, number>();
      for (const pid of pids) {
        const p = all.get(pid);
        if (p) ticks.set(pid, p.ticks);
      }
      out.set(name, ticks);
    }
    return out;
  }
}

function toPercent(ticks: number, seconds: number): number {
  return seconds > 0 ? (100 * ticks) / TICKS_PER_SECOND / seconds : 0;
}

interface ProcStat {
  readonly comm: string;
  readonly ticks: number;
}

function listProcesses(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm is parenthesised and may contain spaces; the fields after the last ')' are fixed.
      const close = text.lastIndexOf(')');
      const fields = text.slice(close + 2).split(' ');
      // fields[0] is field 3 (state); utime and stime (whole thread group) are fields 14 and 15.
      out.set(Number(entry), { comm: text.slice(text.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** user + nice + system + irq + softirq + steal of the whole machine. */
function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number) as number[];
  return user! + nice! + system! + irq! + softirq! + steal!;
}

/** "ingest 95 %, postgres 40 %, …, other processes 30 % (machine 190 % of 200 %)". */
export function formatCpu(usage: CpuUsage): string {
  let ours = 0;
  const parts = [...usage.percent].map(([name, pct]) => {
    ours += pct;
    return `${name} ${pct.toFixed(0)} %`;
  });
  const others = Math.max(0, usage.machinePercent - ours);
  return `${parts.join(', ')}; everything else on the machine ${others.toFixed(0)} % (machine busy ${usage.machinePercent.toFixed(0)} % of 200 %)`;
}

/** "ingest 85, postgres 40" — CPU ms each component spent per 1,000 messages (contention-independent cost). */
export function formatCpuPerMessages(usage: CpuUsage, messages: number): string {
  if (messages <= 0) return 'n/a';
  return [...usage.percent].map(([name, pct]) => `${name} ${((pct / 100) * usage.seconds * 1000 * 1000 / messages).toFixed(0)}`).join(', ');
}
