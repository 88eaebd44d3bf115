import { coreTables } from './0001-core-tables.js';
import { inferenceAndAlerts } from './0002-inference-and-alerts.js';
import { forecastsAndTraining } from './0003-forecasts-and-training.js';
import { analystViews } from './0004-analyst-views.js';
import { fusion } from './0005-fusion.js';
import { notifierOutbox } from './0006-notifier-outbox.js';
import { messageLevelDedup } from './0007-message-level-dedup.js';
import { forecastRisk } from './0008-forecast-risk.js';
import { deviceBaselines } from './0009-device-baselines.js';
import { deadLetterSource } from './0010-dead-letter-source.js';
import { modelChecks } from './0011-model-checks.js';
import { fusionAppliedEvents } from './0012-fusion-applied-events.js';
import type { Migration } from '@premonitor/db';

/**
 * FROZEN copy of the migration list up to 0012, when every table was migrated from libs/db:
 * what a database created before the per-module schema recorded in `schema_migrations`.
 * `test/schema-upgrade.test.ts` creates a database with it and upgrades it in place.
 */
export const LEGACY_MIGRATIONS: readonly Migration[] = Object.freeze([coreTables, inferenceAndAlerts, forecastsAndTraining, analystViews, fusion, notifierOutbox, messageLevelDedup, forecastRisk, deviceBaselines, deadLetterSource, modelChecks, fusionAppliedEvents]);
