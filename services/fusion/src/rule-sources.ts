import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Database } from '@premonitor/db';
import type { RuleRow } from './rule-set.js';

/** The rules file could not be read or is not JSON (its content is validated separately). */
export class RuleFileError extends Error {
  override readonly name = 'RuleFileError';
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load fusion rules from ${path}: ${reason}; fix the file (FUSION_RULES_FILE) or unset the variable to use the defaults`, options);
  }
}

/** Reads the JSON rules file; undefined when no path is configured. */
export async function readRuleFile(path: string | undefined): Promise<unknown> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new RuleFileError(path, cause instanceof Error ? cause.message : String(cause), { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RuleFileError(path, `malformed JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Every row of `fusion_rules`, fleet-wide first, so more specific rows apply later. */
export async function readRuleRows(db: Kysely<Database>): Promise<readonly RuleRow[]> {
  const rows = await db.selectFrom('fusion_rules').select(['site', 'device', 'rule_id', 'definition']).orderBy('site').orderBy('device').orderBy('rule_id').execute();
  return rows.map((r) => ({ site: r.site, device: r.device, ruleId: r.rule_id, definition: r.definition }));
}
