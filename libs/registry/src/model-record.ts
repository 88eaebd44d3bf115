import type { Json, Model, ModelCheckStatus, ModelStage } from '@premonitor/db';

/** One registered model, as the registry hands it out. */
export interface ModelRecord {
  readonly id: number;
  /** `acoustic`, `thermal`, `forecast`, … */
  readonly kind: string;
  /** What the model is for when not fleet-wide (e.g. `site/device:temperature`); '' otherwise. */
  readonly scope: string;
  readonly version: string;
  readonly stage: ModelStage;
  /** Address of the ONNX file in the artifact store. */
  readonly sha256: string;
  readonly size: number;
  /** Evaluation figures (AUC, pAUC, …). */
  readonly metrics: Readonly<Record<string, Json>>;
  /** The file's metadata (input signature, frame shape, threshold, calibration, …) plus extras given at registration. */
  readonly metadata: Readonly<Record<string, Json>>;
  readonly createdAt: Date;
  /** When it last became production by promotion; kept as it was by a rollback. */
  readonly promotedAt: Date | null;
  /** True when its last promotion was forced by an admin (`force: true`). */
  readonly promotionForced: boolean;
  /** The last model check: passed, or failed with the reason; null for kinds without a check. */
  readonly check: { readonly status: ModelCheckStatus; readonly reason: string | null; readonly at: Date | null } | null;
}

/** Maps a `models` row to a record. */
export function toModelRecord(row: Model): ModelRecord {
  return {
    id: Number(row.id),
    kind: row.kind,
    scope: row.scope,
    version: row.version,
    stage: row.stage,
    sha256: row.sha256,
    size: Number(row.size),
    metrics: asObject(row.metrics),
    metadata: asObject(row.metadata),
    createdAt: row.created_at,
    promotedAt: row.promoted_at,
    promotionForced: row.promotion_forced ?? false,
    check: row.check_status === null ? null : { status: row.check_status, reason: row.check_reason, at: row.checked_at },
  };
}

function asObject(value: Json): Readonly<Record<string, Json>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
