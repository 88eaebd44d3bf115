import { agentConfigShape, commonConfigShape, replayConfigShape, simulateConfigShape } from './config.js';

/** What the command line asked for. */
export type EdgeCommand =
  | { readonly command: 'help' }
  | { readonly command: 'run' }
  | { readonly command: 'simulate' }
  /** `csv` undefined: REPLAY_CSV names the file. */
  | { readonly command: 'replay'; readonly csv: string | undefined }
  /** No command: chosen from the environment as before commands existed (EDGE_DEVICE → run, REPLAY_CSV → replay, else simulate). */
  | { readonly command: 'from-env' };

/** A command line that names no known command or has an unknown flag; exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

const names = (shape: object, except: object = {}): string =>
  Object.keys(shape)
    .filter((k) => !(k in except))
    .join(' ');

/** `--help` text: commands, flags and the environment each command reads. */
export const USAGE = `usage: premonitor-edge-agent <command> [options]
       node services/edge-agent/dist/main.js <command> [options]

commands:
  run            the agent on a device: EDGE_SOURCES → local models → store-and-forward to the
                 core, local alerts while the core is unreachable, model sync (needs EDGE_DEVICE)
  simulate       DEVICE_COUNT simulated devices publishing telemetry (and clips/frames) to MQTT_URL
  replay [csv]   replays one CSV file (default REPLAY_CSV) as device REPLAY_DEVICE, then exits
  help           this text
  (none)         as before commands existed: run when EDGE_DEVICE is set, replay when
                 REPLAY_CSV is set, else simulate

options:
  -h, --help     this text

environment (parsed once at start; an invalid value stops start-up naming the variable):
  every command  ${names(commonConfigShape)}
  run            ${names(agentConfigShape, commonConfigShape)}
  simulate       ${names(simulateConfigShape, commonConfigShape)}
  replay         ${names(replayConfigShape, commonConfigShape)}
  See services/edge-agent/README.md for each variable and the EDGE_SOURCES format.

memory: the package's bin (premonitor-edge-agent) starts node as the agent's 150 MB budget needs;
  started through node, do the same: MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 services/edge-agent/dist/main.js run
`;

/** Parses `argv` (without node and script); throws {@link CliUsageError} naming what is wrong. */
export function parseEdgeCommand(argv: readonly string[]): EdgeCommand {
  if (argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  const flag = argv.find((a) => a.startsWith('-'));
  if (flag !== undefined) throw new CliUsageError(`unknown option '${flag}' (try --help)`);
  const [command, ...rest] = argv;
  const none = (c: EdgeCommand): EdgeCommand => {
    if (rest.length > 0) throw new CliUsageError(`'${command ?? ''}' takes no arguments; got '${rest.join(' ')}' (try --help)`);
    return c;
  };
  switch (command) {
    case undefined:
      return { command: 'from-env' };
    case 'help':
      return none({ command: 'help' });
    case 'run':
      return none({ command: 'run' });
    case 'simulate':
      return none({ command: 'simulate' });
    case 'replay':
      if (rest.length > 1) throw new CliUsageError(`'replay' takes one CSV file; got '${rest.join(' ')}' (try --help)`);
      return { command: 'replay', csv: rest[0] };
    default:
      throw new CliUsageError(`unknown command '${command}': one of run, simulate, replay, help (try --help)`);
  }
}
