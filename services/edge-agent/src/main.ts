#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1
// The edge agent's command line: `run` (the agent on a device), `simulate`, `replay [csv]`,
// `--help`. Wiring only. Each command is imported when chosen, so `run` never loads the
// simulator's devices and `simulate` never loads onnxruntime. The shebang keeps the agent
// under its 150 MB budget on a Pi (bench/edge.ts measures it): a 1 MB young generation
// (V8 grows it to 16 MB per semi-space otherwise, ~30 MB of RSS) and two glibc malloc arenas
// instead of one per thread (onnxruntime's and libuv's threads each got one, ~7 MB).
import { CliUsageError, USAGE, parseEdgeCommand, type EdgeCommand } from './cli-args.js';

async function main(argv: readonly string[]): Promise<void> {
  let parsed: EdgeCommand;
  try {
    parsed = parseEdgeCommand(argv);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
  if (parsed.command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const env = process.env;
  const command = parsed.command === 'from-env' ? (env.EDGE_DEVICE ? 'run' : env.REPLAY_CSV ? 'replay' : 'simulate') : parsed.command;
  if (command === 'run') {
    const { runAgent } = await import('./commands/run-agent.js');
    return runAgent(env);
  }
  const { runSimulator } = await import('./commands/run-simulator.js');
  return runSimulator(command === 'replay' ? { mode: 'replay', csv: parsed.command === 'replay' ? parsed.csv : undefined } : { mode: 'simulate' }, env);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
