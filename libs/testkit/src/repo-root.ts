import { fileURLToPath } from 'node:url';

/** The repository's root folder (this file runs from libs/testkit/dist/). */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}
