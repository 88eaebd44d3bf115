import { createHash } from 'node:crypto';

/**
 * sha256 of the generator configuration and seeds: two trainings with the same
 * fingerprint saw identical data. Keys are sorted so formatting cannot change it.
 */
export function dataFingerprint(config: unknown): string {
  return createHash('sha256').update(stableJson(config)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A model version string from the training time, e.g. `20250601-142233`, sortable. */
export function versionFromTime(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
