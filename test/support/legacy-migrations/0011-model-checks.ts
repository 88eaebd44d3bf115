import type { Migration } from '@premonitor/db';

/**
 * The outcome of the model check (`@premonitor/ml/scoring`: I/O contract and reference batch)
 * on each registered model: `passed` or `failed` with the reason, and when it ran. Null for
 * kinds without a scoring contract (forecast) and for rows registered before the check existed.
 * Inference falls back to models that passed when the production model cannot serve.
 * Values are `passed` / `failed`, written only by the registry (same statement form as 0008).
 */
export const modelChecks: Migration = {
  name: '0011_model_checks',
  statements: [
    `alter table models add column if not exists check_status text`,
    `alter table models add column if not exists check_reason text`,
    `alter table models add column if not exists checked_at timestamptz`,
  ],
};
