import { z } from 'zod';
import type { Json, Model } from '@premonitor/db';
import { sha256Hex } from './artifact-store.js';
import { RegistryError } from './registry-errors.js';

/** The backup file cannot be read back: truncated, edited, or not a registry backup at all. */
export class BackupCorruptError extends RegistryError {
  override readonly name = 'BackupCorruptError';
}

const FORMAT = 'premonitor-registry-backup';
const FORMAT_VERSION = 1;

const jsonValue: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const backupModel = z.strictObject({
  kind: z.string().min(1),
  scope: z.string(),
  version: z.string().min(1),
  stage: z.enum(['candidate', 'production', 'archived']),
  sha256,
  size: z.number().int().nonnegative(),
  metrics: jsonValue,
  metadata: jsonValue,
  created_at: isoDate,
  promoted_at: isoDate.nullable(),
  check_status: z.enum(['passed', 'failed']).nullable(),
  check_reason: z.string().nullable(),
  checked_at: isoDate.nullable(),
  /** Whether its last promotion was forced (registry/0004); absent in backups made before it. */
  promotion_forced: z.boolean().default(false),
});

const backupSchema = z.strictObject({
  format: z.literal(FORMAT),
  format_version: z.literal(FORMAT_VERSION),
  name: z.string().min(1),
  created_at: isoDate,
  reason: z.string(),
  kinds: z.array(z.string().min(1)),
  models: z.array(backupModel),
  /** Model files by sha256, base64. */
  artifacts: z.record(sha256, z.string()),
  /** What a caller keeps beside the models (the triage service: its training records). */
  attachments: z.record(z.string(), jsonValue),
});

/** One model as a backup holds it (the `models` row without its id). */
export type BackupModel = z.infer<typeof backupModel>;

/** A backup file, read back and verified. */
export interface RegistryBackupContent {
  readonly name: string;
  readonly createdAt: Date;
  readonly reason: string;
  readonly kinds: readonly string[];
  readonly models: readonly BackupModel[];
  /** Model files by sha256 (each verified against its address). */
  readonly artifacts: ReadonlyMap<string, Uint8Array>;
  readonly attachments: Readonly<Record<string, Json>>;
}

/**
 * Writes a backup as one JSON document: the `models` rows (with lineage and evaluation reports
 * in their metadata), every model file base64-encoded under its sha256, and attachments. JSON
 * rather than tar: a person can read it, and nothing but `JSON.parse` is needed to restore it.
 */
export function encodeBackup(content: RegistryBackupContent): Uint8Array {
  const doc = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    name: content.name,
    created_at: content.createdAt.toISOString(),
    reason: content.reason,
    kinds: content.kinds,
    models: content.models.map((m) => ({ ...m, created_at: m.created_at.toISOString(), promoted_at: m.promoted_at?.toISOString() ?? null, checked_at: m.checked_at?.toISOString() ?? null })),
    artifacts: Object.fromEntries([...content.artifacts].map(([sha, bytes]) => [sha, Buffer.from(bytes).toString('base64')])),
    attachments: content.attachments,
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

/**
 * Reads a backup file back, refusing anything not exactly as written: not UTF-8 JSON, a field
 * missing or of the wrong type, a model file whose bytes do not hash to its address, or a
 * model whose file is missing. Throws {@link BackupCorruptError} with the first reason.
 */
export function decodeBackup(bytes: Uint8Array): RegistryBackupContent {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new BackupCorruptError(`the backup file is not UTF-8 JSON (truncated or edited?): ${(cause as Error).message}`, { cause });
  }
  const parsed = backupSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BackupCorruptError(`the backup file is not a registry backup: ${issue.path.join('.') || 'document'} ${issue.message}`);
  }
  const doc = parsed.data;
  const artifacts = new Map<string, Uint8Array>();
  for (const [sha, base64] of Object.entries(doc.artifacts)) {
    const file = new Uint8Array(Buffer.from(base64, 'base64'));
    const actual = sha256Hex(file);
    if (actual !== sha) throw new BackupCorruptError(`model file ${sha} in the backup hashes to ${actual}: the backup is corrupt`);
    artifacts.set(sha, file);
  }
  for (const m of doc.models) {
    if (!artifacts.has(m.sha256)) throw new BackupCorruptError(`${m.kind} model '${m.version}' has no file in the backup (${m.sha256})`);
  }
  return { name: doc.name, createdAt: doc.created_at, reason: doc.reason, kinds: doc.kinds, models: doc.models, artifacts, attachments: doc.attachments };
}

/** A `models` row as a backup holds it: every column but the id (ids are not kept across restores). */
export function backupModelOf(row: Model): BackupModel {
  const { id: _id, ...columns } = row;
  return { ...columns, size: Number(row.size) };
}
