import type { Kysely } from 'kysely';
import { busSubjects, MODEL_KINDS, type ModelKind, type ModelPromotedEvent } from '@premonitor/contracts';
import { publishEvent, type Bus } from '@premonitor/bus';
import { isUniqueViolation, type Database, type Json, type Model, type ModelHistoryEntry, type ModelStage } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ModelMetadata } from '@premonitor/ml';
import { systemClock, type Clock } from '@premonitor/time';
import type { ArtifactStore } from './artifact-store.js';
import { checkScoringContract, type ModelCheck } from './model-check.js';
import { inspectOnnxModel, type ModelInspector } from './model-inspector.js';
import { toModelRecord, type ModelRecord } from './model-record.js';
import { modelRepository as repo, type CheckColumns } from './model-repository.js';
import { InvalidModelError, ModelCheckFailedError, ModelNotFoundError, ModelVersionExistsError, NothingToRollBackError, ProductionModelError, RegistryError } from './registry-errors.js';

/** Collaborators of {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Holds the `models` table. */
  readonly db: Kysely<Database>;
  /** Receives `pm.models.{kind}.promoted` whenever production changes. */
  readonly bus: Bus;
  /** Where the ONNX files live, addressed by sha256. */
  readonly store: ArtifactStore;
  readonly logger: Logger;
  /** Time of `created_at` / `promoted_at` and of events. Default: the wall clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Reads kind and version from model bytes. Default: ONNX metadata (`inspectOnnxModel`). */
  readonly inspect?: ModelInspector;
  /** Checks a model before it may become production. Default: the scoring contract (`checkScoringContract`). */
  readonly check?: ModelCheck;
}

/** What `register` needs. */
export interface RegisterModelInput {
  readonly kind: string;
  /** Default '' (fleet-wide). */
  readonly scope?: string;
  /** Default: the `version` in the file's metadata; when given, it must equal it. */
  readonly version?: string;
  /** The ONNX file. */
  readonly bytes: Uint8Array;
  /** Evaluation figures; default: the file's `metrics` metadata. */
  readonly metrics?: Readonly<Record<string, Json>>;
  /** Extra metadata stored beside what the file declares (e.g. training run id, report path). */
  readonly metadata?: Readonly<Record<string, Json>>;
  /**
   * `true`: promote it right away (it must pass the model check). `false`: it stays a candidate
   * even as the first model of (kind, scope) — what a gated caller (retraining) passes, so a
   * candidate its gate refused never becomes production by itself. Default (unset): only the
   * first model of (kind, scope) is promoted (seeding, `npm run train`).
   */
  readonly promote?: boolean;
}

/** Options of `promote` and `rollback`. */
export interface PromoteOptions {
  /**
   * Make it production even when the model check fails (the outcome is still recorded and a
   * warning logged). For emergencies; inference falls back from a model that cannot serve.
   */
  readonly force?: boolean;
  /** Why, for `model_history` (default: what happened, e.g. "promoted by force"). */
  readonly reason?: string;
}

/** How {@link ModelRegistry.rollback} is asked. */
export interface RollbackOptions extends PromoteOptions {
  /**
   * Roll back only from this production version; when another is production (the rollback was
   * made already, or a promotion came first) the rollback is refused and nothing changes. Makes
   * a retried rollback idempotent.
   */
  readonly from?: string;
}

/** A production model and its verified bytes. */
export interface LoadedModel {
  readonly record: ModelRecord;
  readonly bytes: Uint8Array;
}

/**
 * The model registry: `models` rows plus content-addressed artifacts, and the bus event
 * that tells services production changed. At most one production model per (kind, scope),
 * guaranteed by the partial unique index `models_one_production`.
 *
 * Every model of a kind with a check (acoustic, thermal) is checked when registered and again
 * before it becomes production (`promote`, `rollback`, the first model's auto-promotion): a
 * model that fails is refused for production with `ModelCheckFailedError`, and its row keeps
 * the outcome and reason (`check`), so nobody promotes it by mistake later.
 *
 * Room left for the next issue: uploads (an HTTP front end calling `register`), retraining
 * triggers (`pm.training.{kind}` events → a trainer that ends in `register`), and a
 * promotion policy (a `PromotionPolicy` deciding from candidate vs production metrics
 * whether `register` should call `promote`; today only the first model auto-promotes).
 */
export class ModelRegistry {
  readonly #db: Kysely<Database>;
  readonly #bus: Bus;
  readonly #store: ArtifactStore;
  readonly #logger: Logger;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #inspect: ModelInspector;
  readonly #check: ModelCheck;

  constructor(options: ModelRegistryOptions) {
    this.#db = options.db;
    this.#bus = options.bus;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#inspect = options.inspect ?? inspectOnnxModel;
    this.#check = options.check ?? checkScoringContract;
  }

  /**
   * Stores the artifact and adds it as a candidate, with the model check's outcome. The bytes
   * must be a model whose metadata kind is `kind` (else `InvalidModelError`); a reused version
   * fails with `ModelVersionExistsError`. When (kind, scope) has no production model yet, or
   * `promote` is set, it becomes production and the promotion event is published — unless it
   * failed the check: then it stays a candidate and `ModelCheckFailedError` says why.
   */
  async register(input: RegisterModelInput): Promise<ModelRecord> {
    const scope = input.scope ?? '';
    const meta = this.#inspect(input.bytes);
    if (meta.kind !== input.kind) {
      throw new InvalidModelError(`the file declares kind '${meta.kind}' but it is registered as '${input.kind}'`);
    }
    if (input.version !== undefined && input.version !== meta.version) {
      throw new InvalidModelError(`the file declares version '${meta.version}' but it is registered as '${input.version}'; export it with the version it is registered under`);
    }
    const version = meta.version;
    if (await repo.findVersion(this.#db, input.kind, version)) throw new ModelVersionExistsError(input.kind, version);
    const check = await this.#runCheck(input.kind, input.bytes);
    // The artifact goes first: a row must never point at bytes that are not stored.
    const stored = await this.#store.put(input.bytes);
    let row: Model;
    try {
      row = await repo.insertCandidate(this.#db, {
        kind: input.kind,
        scope,
        version,
        sha256: stored.sha256,
        size: stored.size,
        metrics: { ...(meta.metrics ?? {}), ...(input.metrics ?? {}) },
        metadata: { ...metadataJson(meta), ...(input.metadata ?? {}) },
        createdAt: new Date(this.#clock.now()),
        check,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ModelVersionExistsError(input.kind, version);
      throw err;
    }
    this.#logger.info({ kind: row.kind, scope, version, sha256: row.sha256, size: stored.size, check: check?.status ?? null }, 'model registered');
    if (input.promote === false) return toModelRecord(row);
    const first = !(await repo.findProduction(this.#db, input.kind, scope));
    if (!first && !input.promote) return toModelRecord(row);
    if (check?.status === 'failed') {
      this.#logger.error({ kind: row.kind, scope, version, reason: check.reason }, 'model refused for production by the model check; it stays a candidate');
      throw new ModelCheckFailedError(row.kind, version, check.reason);
    }
    if (input.promote) return this.#promoteRow(row, 'promoted at registration');
    try {
      return await this.#promoteRow(row, 'first model of its kind', true);
    } catch (err) {
      // Another first model won the race (the partial unique index said so); this one stays a candidate.
      if (!isUniqueViolation(err)) throw err;
    }
    return toModelRecord(row);
  }

  /**
   * Makes `version` the production model of (kind, scope) once its artifact is intact and it
   * passes the model check (else `ArtifactIntegrityError` / `ModelCheckFailedError`, and the
   * outcome is recorded on its row): the previous one is archived in the same transaction,
   * then `pm.models.{kind}.promoted` is published. Promoting the current production model again
   * only re-publishes the event (use it after a failed publish).
   */
  async promote(kind: string, version: string, scope = '', options: PromoteOptions = {}): Promise<ModelRecord> {
    const found = await repo.findVersion(this.#db, kind, version);
    if (!found || found.scope !== scope) throw new ModelNotFoundError(`no ${kind} model with version '${version}' in scope '${scope}'`);
    const row = await this.#checkBeforeProduction(found, options);
    return this.#promoteRow(row, options.reason ?? (options.force ? 'promoted by force' : 'promoted'), false, options.force ?? false);
  }

  /**
   * Returns (kind, scope) to the model that was production before the current one; the
   * current one is archived. Repeated rollbacks walk further back through promotion history,
   * because a restored model keeps its original `promoted_at`. The model returned to is
   * checked first, like a promotion. With `from`, only that version is rolled back from.
   */
  async rollback(kind: string, scope = '', options: RollbackOptions = {}): Promise<ModelRecord> {
    const now = new Date(this.#clock.now());
    const current = await repo.findProduction(this.#db, kind, scope);
    if (!current) throw new NothingToRollBackError(`no production ${kind} model in scope '${scope}' to roll back`);
    if (options.from !== undefined && current.version !== options.from) throw new RegistryError(`the production ${kind} model is '${current.version}', not '${options.from}': not rolled back (rolled back already, or promoted since)`);
    const candidate = await repo.findPreviousProduction(this.#db, kind, scope, current.promoted_at ?? now);
    if (!candidate) throw new NothingToRollBackError(`${kind} model '${current.version}' is the first production model in scope '${scope}'; there is nothing to roll back to`);
    // Checked outside the transaction (it runs the model); the transaction then insists nothing moved meanwhile.
    const checked = await this.#checkBeforeProduction(candidate, options);
    const { restored, previous } = await this.#db.transaction().execute(async (trx) => {
      const locked = await repo.findProduction(trx, kind, scope, true);
      const target = locked && (await repo.findPreviousProduction(trx, kind, scope, locked.promoted_at ?? now));
      if (locked?.id !== current.id || target?.id !== checked.id) throw new RegistryError(`the production ${kind} model changed during the rollback; try again`);
      await repo.setStage(trx, locked.id, 'archived');
      await repo.recordHistory(trx, { at: now, kind, scope, version: target.version, action: 'rollback', previousVersion: locked.version, reason: options.reason ?? 'rolled back' });
      return { restored: await repo.setStage(trx, target.id, 'production'), previous: locked };
    });
    this.#logger.warn({ kind, scope, version: restored.version, from: previous.version }, 'production model rolled back');
    await this.#announce(restored, previous.version);
    return toModelRecord(restored);
  }

  /**
   * Retires a model that is not production: it is no longer offered as a fallback or a rollback
   * target (stage `archived`, `promoted_at` cleared) and the change is in `model_history`.
   * Archiving the production model is refused (promote another or roll back first); archiving
   * an archived model only clears it as a rollback target.
   */
  async archive(kind: string, version: string, reason = 'archived'): Promise<ModelRecord> {
    const now = new Date(this.#clock.now());
    const row = await this.#db.transaction().execute(async (trx) => {
      const found = await repo.findVersion(trx, kind, version, true);
      if (!found) throw new ModelNotFoundError(`no ${kind} model with version '${version}'`);
      if (found.stage === 'production') throw new ProductionModelError(`${kind} model '${version}' is production; promote another version or roll back before archiving it`);
      await repo.recordHistory(trx, { at: now, kind, scope: found.scope, version, action: 'archive', previousVersion: null, reason });
      return repo.retire(trx, found.id);
    });
    this.#logger.info({ kind, version, reason }, 'model archived');
    return toModelRecord(row);
  }

  /** Production changes (promote, rollback, archive, restore), newest first. */
  async history(filter: { kind?: string; limit: number }): Promise<ModelHistoryEntry[]> {
    return repo.history(this.#db, filter);
  }

  /**
   * Models to fall back to when the production model of (kind, scope) cannot serve, best first:
   * earlier production models (newest promotion first) that did not fail a check, then
   * candidates that passed one. Inference walks this list at start-up.
   */
  async lastGoodVersions(kind: string, scope = ''): Promise<ModelRecord[]> {
    return (await repo.findLastGood(this.#db, kind, scope)).map(toModelRecord);
  }

  /** The production model of (kind, scope), or undefined when there is none yet. */
  async production(kind: string, scope = ''): Promise<ModelRecord | undefined> {
    const row = await repo.findProduction(this.#db, kind, scope);
    return row && toModelRecord(row);
  }

  /** The production model and its bytes (hash-verified), or undefined when there is none yet. */
  async loadProduction(kind: string, scope = ''): Promise<LoadedModel | undefined> {
    const record = await this.production(kind, scope);
    if (!record) return undefined;
    return { record, bytes: await this.#store.get(record.sha256) };
  }

  /** The bytes of one registered version (hash-verified). */
  async loadVersion(kind: string, version: string): Promise<LoadedModel> {
    const row = await repo.findVersion(this.#db, kind, version);
    if (!row) throw new ModelNotFoundError(`no ${kind} model with version '${version}'`);
    const record = toModelRecord(row);
    return { record, bytes: await this.#store.get(record.sha256) };
  }

  /** Registered models, newest first within each kind. */
  async list(filter: { kind?: string; stage?: ModelStage; scope?: string } = {}): Promise<ModelRecord[]> {
    return (await repo.list(this.#db, filter)).map(toModelRecord);
  }

  /** Runs the model check (undefined for a kind without one). */
  async #runCheck(kind: string, bytes: Uint8Array): Promise<CheckColumns | undefined> {
    const outcome = await this.#check(kind, bytes);
    if (!outcome) return undefined;
    const at = new Date(this.#clock.now());
    return outcome.status === 'passed' ? { status: 'passed', reason: outcome.detail, at } : { status: 'failed', reason: outcome.reason, at };
  }

  /** Verifies the artifact, checks the model and records the outcome; throws unless it may become production. */
  async #checkBeforeProduction(row: Model, options: PromoteOptions): Promise<Model> {
    const bytes = await this.#store.get(row.sha256);
    const check = await this.#runCheck(row.kind, bytes);
    if (!check) return row;
    const checked = await repo.recordCheck(this.#db, row.id, check);
    if (check.status === 'passed') return checked;
    if (!options.force) {
      this.#logger.error({ kind: row.kind, scope: row.scope, version: row.version, reason: check.reason }, 'model refused for production by the model check');
      throw new ModelCheckFailedError(row.kind, row.version, check.reason);
    }
    this.#logger.warn({ kind: row.kind, scope: row.scope, version: row.version, reason: check.reason }, 'model made production by force although it fails the model check; inference will fall back from it if it cannot serve');
    return checked;
  }

  /**
   * With `onlyIfNone`, a production model that appeared meanwhile wins and `row` stays a candidate.
   * `forced` is recorded on the row (`promotion_forced`); re-promoting the current production
   * model by force marks it forced too, so the flag always says how it holds production.
   */
  async #promoteRow(row: Model, why: string, onlyIfNone = false, forced = false): Promise<ModelRecord> {
    const now = new Date(this.#clock.now());
    const { promoted, previous, changed } = await this.#db.transaction().execute(async (trx) => {
      const current = await repo.findProduction(trx, row.kind, row.scope, true);
      if (current?.id === row.id) {
        const again = forced && !current.promotion_forced ? await repo.setStage(trx, current.id, 'production', { at: current.promoted_at ?? now, forced }) : current;
        return { promoted: again, previous: undefined, changed: false };
      }
      if (current && onlyIfNone) return { promoted: row, previous: undefined, changed: false };
      if (current) await repo.setStage(trx, current.id, 'archived');
      await repo.recordHistory(trx, { at: now, kind: row.kind, scope: row.scope, version: row.version, action: 'promote', previousVersion: current?.version ?? null, reason: forced ? `${why} (forced)` : why });
      return { promoted: await repo.setStage(trx, row.id, 'production', { at: now, forced }), previous: current, changed: true };
    });
    if (onlyIfNone && !changed) return toModelRecord(promoted);
    if (changed) {
      this.#logger.info({ kind: row.kind, scope: row.scope, version: row.version, previous: previous?.version ?? null, why, forced }, 'production model changed');
    }
    await this.#announce(promoted, previous?.version ?? null);
    return toModelRecord(promoted);
  }

  async #announce(row: Model, previousVersion: string | null): Promise<void> {
    // Only the kinds the contracts know have a subject; other kinds change silently.
    if (!(MODEL_KINDS as readonly string[]).includes(row.kind)) return;
    const kind = row.kind as ModelKind;
    const event: ModelPromotedEvent = {
      kind,
      version: row.version,
      sha256: row.sha256,
      size: Number(row.size),
      previousVersion,
      ts: Math.floor(this.#clock.now()),
    };
    // The event carries no scope (the contract has none): consumers re-read production from
    // the registry, so an event about another scope is a harmless no-op for them.
    await publishEvent(this.#bus, 'modelPromoted', [kind], event, { msgId: `${kind}.${row.scope}.${row.version}.${event.ts}` });
    this.#logger.debug({ subject: busSubjects.modelPromoted.subject(kind), version: row.version }, 'promotion announced');
  }
}

function metadataJson(meta: ModelMetadata): Record<string, Json> {
  // ModelMetadata is JSON by construction (it round-trips through metadata_props).
  return JSON.parse(JSON.stringify(meta)) as Record<string, Json>;
}
