import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { parseTopic, TOPIC_ROOT } from '@premonitor/contracts';

/** What one agent process used at steady state. */
export interface AgentProcessUsage {
  /** Resident set after `seconds` of running, MB. */
  readonly rssMb: number;
  /** Highest resident set since start (VmHWM), MB. */
  readonly peakRssMb: number;
  /** CPU over the window, percent of one core. */
  readonly cpuPercent: number;
  /** Messages the broker received from the agent in the window, by channel (proves it ran). */
  readonly received: Readonly<Record<string, number>>;
  /** How it was started: the bin's shebang (environment assignments and node flags). */
  readonly launch: AgentLaunch;
}

const MAIN = fileURLToPath(new URL('../../../services/edge-agent/dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the agent's shebang sets before and after `node`. */
export interface AgentLaunch {
  readonly env: Readonly<Record<string, string>>;
  readonly nodeFlags: readonly string[];
}

/** The agent's shebang (`#!/usr/bin/env -S NAME=value … node --flag …`): the agent is measured as its bin runs it. */
export function agentLaunch(): AgentLaunch {
  const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S (.*)$/.exec(first);
  const words = match ? match[1]!.trim().split(/\s+/) : ['node'];
  const at = words.indexOf('node');
  if (at < 0) throw new Error(`cannot read the agent's shebang: ${first}`);
  const env = Object.fromEntries(words.slice(0, at).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeFlags: words.slice(at + 1) };
}

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces) start at field 3.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Math.round(Number(match[1]) / 1024);
}

/**
 * Runs `main.js run` — the agent as deployed, in its own process — with telemetry, a 1 s
 * acoustic clip and a thermal frame per second from simulated sources, against `mqttUrl`;
 * after `warmupS` it measures CPU over `seconds`, then RSS, and stops it with SIGTERM.
 */
export async function measureAgentProcess(options: { readonly mqttUrl: string; readonly site: string; readonly dataDir: string; readonly warmupS: number; readonly seconds: number }): Promise<AgentProcessUsage> {
  const device = 'rss-probe';
  const received: Record<string, number> = {};
  const watcher = await mqtt.connectAsync(options.mqttUrl, { clientId: 'bench-edge-rss-watcher' });
  await watcher.subscribeAsync(`${TOPIC_ROOT}/${options.site}/${device}/#`, { qos: 0 });
  watcher.on('message', (topic) => {
    const parsed = parseTopic(topic);
    if (!parsed.ok) return;
    const key = parsed.topic.channel.type === 'frame' ? `frame/${parsed.topic.channel.kind}` : parsed.topic.channel.type;
    received[key] = (received[key] ?? 0) + 1;
  });
  const sources = ['telemetry', 'acoustic', 'thermal'].map((signal, i) => ({ type: 'simulated', name: signal, signal, machine: 'pump', intervalMs: 1_000, seed: i + 1 }));
  const launch = agentLaunch();
  const child = spawn(process.execPath, [...launch.nodeFlags, MAIN, 'run'], {
    env: {
      ...launch.env,
      PATH: process.env.PATH ?? '',
      MQTT_URL: options.mqttUrl,
      SITE: options.site,
      EDGE_DEVICE: device,
      EDGE_SOURCES: JSON.stringify(sources),
      EDGE_DATA_DIR: options.dataDir,
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('the agent process did not start');
    await Promise.race([sleep(options.warmupS * 1000), exited.then((code) => Promise.reject(new Error(`the agent exited with ${code} during warm-up`)))]);
    for (const key of Object.keys(received)) delete received[key];
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(options.seconds * 1000);
    const cpuPercent = Math.round(((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000)) * 1000) / 10;
    return { rssMb: statusMb(pid, 'VmRSS'), peakRssMb: statusMb(pid, 'VmHWM'), cpuPercent, received: { ...received }, launch };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await watcher.endAsync(true);
  }
}
