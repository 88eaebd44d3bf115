import { z } from 'zod';

/** A configuration value that failed validation; the message names every offending variable. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses configuration once from an environment. `shape` is keyed by environment variable
 * name; the result is frozen so nothing downstream can change it after start-up.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<z.infer<z.ZodObject<S>>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    // An empty variable means "not set" so `FOO= npm start` falls back to the default.
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const names: string[] = [];
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)');
      names.push(name);
      const got = input[name];
      const shown = got === undefined ? 'not set' : `got '${isSecret(name) ? '***' : got}'`;
      return `  ${name}: ${issue.message} (${shown})`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, names);
  }
  return Object.freeze(result.data);
}

function isSecret(name: string): boolean {
  return /PASSWORD|SECRET|TOKEN|KEY/i.test(name);
}
