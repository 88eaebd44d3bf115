import { z } from 'zod';
import { maskUrl, maskUrlsInText, urlOrigin } from '@premonitor/log';

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
      const shown = got === undefined ? 'not set' : shownValue(name, got);
      return `  ${name}: ${issue.message} (${shown})`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, [...new Set(names)]);
  }
  return Object.freeze(result.data);
}

/** How an invalid value is quoted in the error: secrets hidden, URLs without credentials. */
function shownValue(name: string, value: string): string {
  if (isSecret(name)) return 'value hidden';
  // A webhook URL is a secret as a whole (Slack and Discord put the token in the path).
  if (/WEBHOOK/i.test(name)) return `got a URL of ${urlOrigin(value)}`;
  const masked = value.includes('://') ? maskUrlsInText(value) : value.includes('@') ? maskUrl(value) : value;
  return `got '${masked}'`;
}

/**
 * Variables whose value is a credential: never echoed, not even masked. A URL variable is
 * echoed with its userinfo masked, which is what an operator needs to spot a typo.
 */
export function isSecret(name: string): boolean {
  return /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH/i.test(name);
}
