import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, Json, ModelBackup } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import { systemClock, type Clock } from '@premonitor/time';
import type { ArtifactStore } from './artifact-store.js';
import { BackupCorruptError, backupModelOf, decodeBackup, encodeBackup, type RegistryBackupContent } from './backup-file.js';
import type { ModelRegistry } from './model-registry.js';
import { ArtifactIntegrityError, ArtifactNotFoundError, RegistryError } from './registry-errors.js';

/** Collaborators of {@link RegistryBackups}. */
export interface RegistryBackupsOptions {
  readonly db: Kysely<Database>;
  /** The registry's artifact store: backups are files in it too. */
  readonly store: ArtifactStore;
  /** Re-announces production after a restore. */
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  readonly clock?: Pick<Clock, 'now'>;
}

/** What `create` takes. */
export interface CreateBackupInput {
  readonly reason: string;
  /** Only these kinds (the triage service backs up `triage`); default every kind. */
  readonly kinds?: readonly string[];
  /** Kept beside the models and handed back to `restore`'s `within` (e.g. training records). */
  readonly attachments?: Readonly<Record<string, Json>>;
}

/** A backup as the API lists it. */
export interface BackupRecord {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  readonly kinds: readonly string[];
  readonly models: number;
  readonly reason: string;
  readonly createdAt: Date;
}

/** What a restore changed. */
export interface RestoreOutcome {
  readonly backup: BackupRecord;
  /** Production per kind after the restore (kind/scope → version). */
  readonly production: readonly { kind: string; scope: string; version: string; previousVersion: string | null }[];
  readonly models: number;
}

/** No backup with this name. */
export class BackupNotFoundError extends RegistryError {
  override readonly name = 'BackupNotFoundError';
}

/**
 * Backups of the model registry: the `models` rows (metrics, lineage and evaluation reports
 * live in their metadata) and the model files, as ONE file in the artifact store, listed in
 * `model_backups`. A restore puts the registry of the backup's kinds back as it was, in one
 * transaction — a corrupt file is refused before anything changes — and is recorded in
 * `model_history` like a promotion; the production models it brings back are announced.
 */
export class RegistryBackups {
  readonly #o: RegistryBackupsOptions;
  readonly #clock: Pick<Clock, 'now'>;

  constructor(options: RegistryBackupsOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  async create(input: CreateBackupInput): Promise<BackupRecord> {
    const now = new Date(this.#clock.now());
    let query = this.#o.db.selectFrom('models').selectAll().orderBy('kind').orderBy('id');
    if (input.kinds) query = query.where('kind', 'in', input.kinds.length > 0 ? [...input.kinds] : ['']);
    const rows = await query.execute();
    const artifacts = new Map<string, Uint8Array>();
    for (const row of rows) if (!artifacts.has(row.sha256)) artifacts.set(row.sha256, await this.#o.store.get(row.sha256));
    const name = `registry-${now.toISOString().replace(/[-:]|\.\d+/g, '').toLowerCase()}-${randomBytes(3).toString('hex')}`;
    const kinds = input.kinds ? [...input.kinds] : [...new Set(rows.map((r) => r.kind))];
    const content: RegistryBackupContent = { name, createdAt: now, reason: input.reason, kinds, models: rows.map(backupModelOf), artifacts, attachments: input.attachments ?? {} };
    const stored = await this.#o.store.put(encodeBackup(content));
    const row = await this.#o.db
      .insertInto('model_backups')
      .values({ name, sha256: stored.sha256, size: stored.size, kinds: JSON.stringify(kinds), models: rows.length, reason: input.reason, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.#o.logger.info({ backup: name, kinds, models: rows.length, size: stored.size }, 'registry backup written');
    return toRecord(row);
  }

  /** Newest first; only those holding `kind` when given. */
  async list(filter: { kind?: string; limit?: number } = {}): Promise<BackupRecord[]> {
    const rows = await this.#o.db.selectFrom('model_backups').selectAll().orderBy('created_at', 'desc').orderBy('name', 'desc').execute();
    const records = rows.map(toRecord).filter((b) => filter.kind === undefined || b.kinds.includes(filter.kind));
    return records.slice(0, filter.limit ?? 100);
  }

  /** One backup's listing, or undefined when there is none by that name. */
  async find(name: string): Promise<BackupRecord | undefined> {
    const row = await this.#o.db.selectFrom('model_backups').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRecord(row);
  }

  /** The verified content of a backup (`BackupCorruptError` when its file is damaged). */
  async read(name: string): Promise<{ record: BackupRecord; content: RegistryBackupContent }> {
    const row = await this.#o.db.selectFrom('model_backups').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new BackupNotFoundError(`no registry backup named '${name}'`);
    let bytes: Uint8Array;
    try {
      bytes = await this.#o.store.get(row.sha256);
    } catch (err) {
      if (err instanceof ArtifactIntegrityError || err instanceof ArtifactNotFoundError) throw new BackupCorruptError(`backup '${name}' cannot be read: ${err.message}`, { cause: err });
      throw err;
    }
    return { record: toRecord(row), content: decodeBackup(bytes) };
  }

  /**
   * Puts the backup's kinds back as they were: every model it holds gets its stage, metrics and
   * metadata back (re-added when deleted since), and a production model of those kinds that the
   * backup does not hold as production is archived. All in one transaction with `within` (the
   * caller's own tables, e.g. training records from the attachments): a failure anywhere changes
   * nothing. Each production change is written to `model_history` as a `restore`.
   */
  async restore(name: string, options: { reason?: string; within?: (trx: Transaction<Database>, content: RegistryBackupContent) => Promise<void> } = {}): Promise<RestoreOutcome> {
    const { record, content } = await this.read(name);
    // Files first (content-addressed, so a re-put is a no-op): no row may point at missing bytes.
    for (const bytes of content.artifacts.values()) await this.#o.store.put(bytes);
    const now = new Date(this.#clock.now());
    const reason = options.reason ?? `restored from backup ${name}`;
    const production = await this.#o.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('models').select(['kind', 'scope', 'version']).where('kind', 'in', content.kinds.length > 0 ? [...content.kinds] : ['']).where('stage', '=', 'production').forUpdate().execute();
      const wanted = content.models.filter((m) => m.stage === 'production');
      // Demote first: the partial unique index allows one production model per (kind, scope) at any moment.
      for (const current of before) {
        if (!wanted.some((m) => m.kind === current.kind && m.scope === current.scope && m.version === current.version)) {
          await trx.updateTable('models').set({ stage: 'archived' }).where('kind', '=', current.kind).where('version', '=', current.version).execute();
        }
      }
      for (const m of [...content.models].sort((a, b) => (a.stage === 'production' ? 1 : 0) - (b.stage === 'production' ? 1 : 0))) {
        const columns = { scope: m.scope, stage: m.stage, sha256: m.sha256, size: m.size, metrics: JSON.stringify(m.metrics), metadata: JSON.stringify(m.metadata), promoted_at: m.promoted_at, check_status: m.check_status, check_reason: m.check_reason, checked_at: m.checked_at, promotion_forced: m.promotion_forced };
        const updated = await trx.updateTable('models').set(columns).where('kind', '=', m.kind).where('version', '=', m.version).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('models').values({ kind: m.kind, version: m.version, created_at: m.created_at, ...columns }).execute();
      }
      const changes = wanted.map((m) => ({ kind: m.kind, scope: m.scope, version: m.version, previousVersion: before.find((b) => b.kind === m.kind && b.scope === m.scope)?.version ?? null }));
      for (const c of changes) {
        await trx.insertInto('model_history').values({ at: now, kind: c.kind, scope: c.scope, version: c.version, action: 'restore', previous_version: c.previousVersion, reason, backup: name }).execute();
      }
      await options.within?.(trx, content);
      return changes;
    });
    this.#o.logger.warn({ backup: name, production }, 'registry restored from a backup');
    // Promoting the model that already is production only re-publishes its promotion event.
    for (const p of production) if (p.version !== p.previousVersion) await this.#o.registry.promote(p.kind, p.version, p.scope, { force: true });
    return { backup: record, production, models: content.models.length };
  }
}

function toRecord(row: ModelBackup): BackupRecord {
  const kinds = Array.isArray(row.kinds) ? row.kinds.filter((k): k is string => typeof k === 'string') : [];
  return { name: row.name, sha256: row.sha256, size: Number(row.size), kinds, models: row.models, reason: row.reason, createdAt: row.created_at };
}
