// @premonitor/platform/schema: every table of the platform, for embedded mode (one database for
// every module) and for tests and benches that need the whole schema. Light: SQL text only.
import { CORE_SCHEMA, type SchemaPart } from '@premonitor/db';
import { FORECASTING_SCHEMA } from '@premonitor/forecasting/schema';
import { FUSION_SCHEMA } from '@premonitor/fusion/schema';
import { INFERENCE_SCHEMA } from '@premonitor/inference/schema';
import { INGEST_SCHEMA } from '@premonitor/ingest/schema';
import { NOTIFIER_SCHEMA } from '@premonitor/notifier/schema';
import { REGISTRY_SCHEMA } from '@premonitor/registry/schema';
import { TELEMETRY_SCORING_SCHEMA } from '@premonitor/telemetry-scoring/schema';

/** Every owner's schema part; `migrate` orders them (core first, notifier after fusion …). */
export const PLATFORM_SCHEMA: readonly SchemaPart[] = Object.freeze([CORE_SCHEMA, REGISTRY_SCHEMA, INGEST_SCHEMA, INFERENCE_SCHEMA, FUSION_SCHEMA, NOTIFIER_SCHEMA, FORECASTING_SCHEMA, TELEMETRY_SCORING_SCHEMA]);
