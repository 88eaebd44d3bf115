import type { Migration } from './migrations/migration.js';

/** The tables one owner (a service module, the registry, or the core) creates, as ordered migrations. */
export interface SchemaPart {
  /** `core`, `registry`, or the owning module's name; the prefix of each migration's name. */
  readonly owner: string;
  /** Owners whose tables these migrations refer to (a foreign key, a view); they are applied first. */
  readonly after?: readonly string[];
  readonly migrations: readonly Migration[];
}

/** A schema that cannot be ordered: a part needs an owner that is not listed, or parts need each other. */
export class SchemaOrderError extends Error {
  override readonly name = 'SchemaOrderError';
}

/**
 * The migrations of `parts` in the order they are applied: each part after the parts it names
 * in `after`, ties broken by owner name, so every host applies the same parts in the same
 * order whatever order it lists them in. A part listed twice (every module needs the core) counts once.
 */
export function schemaMigrations(parts: readonly SchemaPart[]): Migration[] {
  const byOwner = new Map<string, SchemaPart>();
  for (const part of parts) {
    const known = byOwner.get(part.owner);
    if (known && known !== part) throw new SchemaOrderError(`two different schema parts are owned by '${part.owner}'`);
    byOwner.set(part.owner, part);
    for (const m of part.migrations) {
      if (!m.name.startsWith(`${part.owner}/`)) throw new SchemaOrderError(`migration '${m.name}' of '${part.owner}' must be named '${part.owner}/…'`);
    }
  }
  for (const part of byOwner.values()) {
    for (const needed of part.after ?? []) {
      if (!byOwner.has(needed)) throw new SchemaOrderError(`the schema of '${part.owner}' needs the schema of '${needed}'; list it too`);
    }
  }
  const ordered: Migration[] = [];
  const placed = new Set<string>();
  while (placed.size < byOwner.size) {
    const ready = [...byOwner.values()].filter((p) => !placed.has(p.owner) && (p.after ?? []).every((o) => placed.has(o))).sort((a, b) => (a.owner < b.owner ? -1 : 1));
    const next = ready[0];
    if (!next) throw new SchemaOrderError(`the schema parts of ${[...byOwner.keys()].filter((o) => !placed.has(o)).join(', ')} need each other`);
    placed.add(next.owner);
    ordered.push(...next.migrations);
  }
  return ordered;
}
