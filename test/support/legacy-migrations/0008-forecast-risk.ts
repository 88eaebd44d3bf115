import type { Migration } from '@premonitor/db';

/**
 * Each stored forecast carries the risk it was published with (the same on each of its step
 * rows), so a restarted forecasting service knows the level it last announced for a pair and
 * does not announce a pair that is still high as a new rise.
 *
 * Nullable without a default: rows stored before keep null, and TimescaleDB accepts such a
 * column on a hypertable whose chunks are compressed (a check constraint it would not).
 */
export const forecastRisk: Migration = {
  name: '0008_forecast_risk',
  statements: [`alter table forecasts add column if not exists risk_level text`, `alter table forecasts add column if not exists risk_score double precision`],
};
