/** A wrong command line: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Standard input as text, one trailing newline removed (`--password-stdin`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * The command of an operator CLI's `argv`: undefined after printing `usage` for help, -h and
 * --help; a missing or unknown command is a {@link UsageError} (exit 2, usage on stderr).
 */
export function chooseCommand<C extends string>(argv: readonly string[], commands: readonly C[], usage: string): { command: C; rest: string[] } | undefined {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError(usage);
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return undefined;
  }
  if (!(commands as readonly string[]).includes(command)) throw new UsageError(`unknown command '${command}': one of ${commands.join(', ')}, help (try --help)`);
  return { command: command as C, rest };
}

/** Ends an operator CLI: the error on one line, exit 2 for a wrong command line, else 1. */
export function reportCliError(err: unknown): void {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.exitCode = err instanceof UsageError || (err instanceof Error && err.name === 'TypeError') ? 2 : 1;
}
