import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The first of `candidates` that exists, else `name` found on PATH; undefined when neither.
 * Debian puts daemons in /usr/sbin, which is not on every user's PATH.
 */
export function findBinary(name: string, candidates: readonly string[] = []): string | undefined {
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v "$0"', name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
