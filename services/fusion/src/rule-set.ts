import type { DeviceRef } from '@premonitor/contracts';
import { describeZodError } from '@premonitor/contracts';
import { DEFAULT_RULES, ruleFileSchema, rulePatchSchema, ruleSchema, type Rule, type RulePatch } from './rule-schema.js';

/** A rule patch stored in the `fusion_rules` table; '' in site or device means "every". */
export interface RuleRow {
  readonly site: string;
  readonly device: string;
  readonly ruleId: string;
  readonly definition: unknown;
}

/** Outcome of compiling rules: the rule set, or what is wrong with the input. */
export type CompileResult = { readonly ok: true; readonly ruleSet: RuleSet } | { readonly ok: false; readonly error: string };

/**
 * The effective rules of every device: defaults, patched fleet-wide, then per site, then per
 * device. Immutable; a reload builds a new one and swaps it in only when it compiled.
 */
export class RuleSet {
  constructor(
    private readonly global: readonly Rule[],
    private readonly bySite: ReadonlyMap<string, readonly Rule[]>,
    private readonly byDevice: ReadonlyMap<string, readonly Rule[]>,
  ) {}

  /** The enabled rules that apply to one device. */
  rulesFor(ref: DeviceRef): readonly Rule[] {
    return this.byDevice.get(`${ref.site}/${ref.device}`) ?? this.bySite.get(ref.site) ?? this.global;
  }

  /** One enabled rule of a device, if it has one by that id. */
  rule(ref: DeviceRef, id: string): Rule | undefined {
    return this.rulesFor(ref).find((r) => r.id === id);
  }

  /** Numbers for the log line after a (re)load. */
  summary(): { rules: number; siteOverrides: number; deviceOverrides: number } {
    return { rules: this.global.length, siteOverrides: this.bySite.size, deviceOverrides: this.byDevice.size };
  }
}

/** The default rules with nothing changed. */
export function defaultRuleSet(): RuleSet {
  return new RuleSet(DEFAULT_RULES, new Map(), new Map());
}

/**
 * Validates a rules file (parsed JSON, or undefined when there is none) and table rows, and
 * builds the rule set. Never throws: an invalid input is a result whose `error` names the rule,
 * its scope and the offending field.
 */
export function compileRules(file: unknown, rows: readonly RuleRow[] = []): CompileResult {
  const parsedFile = ruleFileSchema.safeParse(file ?? {});
  if (!parsedFile.success) return { ok: false, error: `rules file: ${describeZodError(parsedFile.error)}` };
  // scope '' = fleet, 'site' = one site, 'site/device' = one device; table rows after the file, so they win.
  const patches = new Map<string, Map<string, RulePatch>>();
  const addPatch = (scope: string, patch: RulePatch) => {
    const byId = patches.get(scope) ?? new Map<string, RulePatch>();
    byId.set(patch.id, { ...byId.get(patch.id), ...patch });
    patches.set(scope, byId);
  };
  for (const patch of parsedFile.data.rules) addPatch('', patch);
  for (const override of parsedFile.data.overrides) {
    for (const patch of override.rules) addPatch(override.device ? `${override.site}/${override.device}` : override.site, patch);
  }
  for (const row of rows) {
    const where = describeScope(row.site, row.device);
    if (row.device && !row.site) return { ok: false, error: `fusion_rules row "${row.ruleId}" ${where}: a device needs its site` };
    const parsed = rulePatchSchema.safeParse(row.definition);
    if (!parsed.success) return { ok: false, error: `fusion_rules row "${row.ruleId}" ${where}: ${describeZodError(parsed.error)}` };
    if (parsed.data.id !== row.ruleId) return { ok: false, error: `fusion_rules row "${row.ruleId}" ${where}: definition.id is "${parsed.data.id}", not the row's rule_id` };
    addPatch(row.device ? `${row.site}/${row.device}` : row.site, parsed.data);
  }

  try {
    const global = applyPatches(DEFAULT_RULES, patches.get(''), 'fleet-wide');
    const bySite = new Map<string, readonly Rule[]>();
    const byDevice = new Map<string, readonly Rule[]>();
    for (const [scope, scoped] of patches) {
      if (scope === '' || scope.includes('/')) continue;
      bySite.set(scope, applyPatches(global, scoped, `for site ${scope}`));
    }
    for (const [scope, scoped] of patches) {
      if (!scope.includes('/')) continue;
      const site = scope.slice(0, scope.indexOf('/'));
      byDevice.set(scope, applyPatches(bySite.get(site) ?? global, scoped, `for device ${scope}`));
    }
    const enabledOnly = (rules: readonly Rule[]) => Object.freeze(rules.filter((r) => r.enabled));
    return {
      ok: true,
      ruleSet: new RuleSet(
        enabledOnly(global),
        new Map([...bySite].map(([k, v]) => [k, enabledOnly(v)])),
        new Map([...byDevice].map(([k, v]) => [k, enabledOnly(v)])),
      ),
    };
  } catch (err) {
    if (err instanceof InvalidRuleError) return { ok: false, error: err.message };
    throw err;
  }
}

/** A merged rule that fails validation; caught inside `compileRules` and returned as text. */
class InvalidRuleError extends Error {
  override readonly name = 'InvalidRuleError';
}

function applyPatches(base: readonly Rule[], patches: ReadonlyMap<string, RulePatch> | undefined, where: string): readonly Rule[] {
  if (!patches) return base;
  const result = new Map(base.map((r) => [r.id, r] as const));
  for (const [id, patch] of patches) {
    const parsed = ruleSchema.safeParse({ ...result.get(id), ...patch });
    if (!parsed.success) {
      const known = result.has(id) ? '' : ' (a new rule needs every field, starting with kind)';
      throw new InvalidRuleError(`rule "${id}" ${where}: ${describeZodError(parsed.error)}${known}`);
    }
    result.set(id, parsed.data);
  }
  return [...result.values()];
}

function describeScope(site: string, device: string): string {
  if (!site && !device) return '(fleet-wide)';
  return device ? `(device ${site}/${device})` : `(site ${site})`;
}
