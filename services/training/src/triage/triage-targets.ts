import type { ModelTarget } from '@premonitor/ml';

/** The three triage scores of a maintenance report, each 1 (no impact) to 5 (severe). */
export const TRIAGE_TARGETS: readonly ModelTarget[] = Object.freeze(
  (['availability', 'fiability', 'process_safety'] as const).map((name) => Object.freeze({ name, kind: 'ordinal' as const, classes: Object.freeze(['1', '2', '3', '4', '5']) })),
);

/** Why `targets` cannot be trained, or undefined. */
export function targetsProblem(targets: readonly ModelTarget[]): string | undefined {
  if (targets.length === 0) return 'at least one target is needed';
  const names = new Set<string>();
  for (const t of targets) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(t.name)) return `target name '${t.name}' must be a letter then letters, digits or _ (at most 64)`;
    if (names.has(t.name)) return `target '${t.name}' is listed twice`;
    names.add(t.name);
    if (t.classes.length < 2) return `target '${t.name}' needs at least two classes`;
    if (new Set(t.classes).size !== t.classes.length) return `target '${t.name}' lists a class twice`;
  }
  return undefined;
}
