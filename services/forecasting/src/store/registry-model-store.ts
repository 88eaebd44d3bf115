import { z } from 'zod';
import type { Json } from '@premonitor/db';
import type { Logger } from '@premonitor/log';
import type { ModelRecord, ModelRegistry } from '@premonitor/registry';
import { ModelFormatError } from '../errors.js';
import { forecasterSpecSchema, type ForecasterSpec } from '../model/forecaster-spec.js';
import type { ForecastMetrics } from '../model/train-forecaster.js';
import { forecastScope, type ForecastModelRecord, type ForecastModelStore, type NewForecastModel } from './forecast-model-store.js';

const KIND = 'forecast';

const metadataSchema = z.object({ deviceId: z.string(), sensorKey: z.string(), spec: forecasterSpecSchema });

/**
 * {@link ForecastModelStore} on the shared model registry: kind `forecast`, scope
 * `site/device:sensor`, the spec (windowing, scaling, base, intervals) in the row's metadata
 * beside the file's own. A retrained model the forecast gate passed replaces the pair's
 * production model (the registry archives the previous one and announces
 * `pm.models.forecast.promoted`); one it refused is registered as a candidate only.
 */
export class RegistryModelStore implements ForecastModelStore {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly logger: Logger,
  ) {}

  async save(model: NewForecastModel): Promise<ForecastModelRecord> {
    const scope = forecastScope(model.deviceId, model.sensorKey);
    let record = await this.registry.register({
      kind: KIND,
      scope,
      version: model.version,
      bytes: model.bytes,
      metrics: toJson(model.metrics),
      metadata: toJson({ deviceId: model.deviceId, sensorKey: model.sensorKey, spec: model.spec }),
    });
    if (model.promote && record.stage !== 'production') record = await this.registry.promote(KIND, record.version, scope);
    return toForecastRecord(record, model.deviceId, model.sensorKey, model.spec);
  }

  /**
   * Every production forecaster with its hash-verified bytes. A model this service cannot
   * use (metadata of another format, a missing or corrupted artifact) is skipped with a
   * warning, so it costs its own pair a retrain rather than every pair its forecasts.
   */
  async loadProduction(): Promise<{ record: ForecastModelRecord; bytes: Uint8Array }[]> {
    const loaded: { record: ForecastModelRecord; bytes: Uint8Array }[] = [];
    for (const row of await this.registry.list({ kind: KIND, stage: 'production' })) {
      try {
        const meta = metadataSchema.safeParse(row.metadata);
        if (!meta.success) throw new ModelFormatError(`metadata this service cannot read: ${meta.error.issues[0]?.message ?? ''}`);
        const { bytes } = await this.registry.loadVersion(KIND, row.version);
        loaded.push({ record: toForecastRecord(row, meta.data.deviceId, meta.data.sensorKey, meta.data.spec), bytes });
      } catch (err) {
        this.logger.warn({ err, scope: row.scope, version: row.version }, 'forecast model skipped: train the pair again');
      }
    }
    return loaded;
  }
}

function toForecastRecord(record: ModelRecord, deviceId: string, sensorKey: string, spec: ForecasterSpec): ForecastModelRecord {
  return {
    deviceId,
    sensorKey,
    version: record.version,
    sha256: record.sha256,
    size: record.size,
    createdAt: record.createdAt,
    spec,
    metrics: record.metrics as unknown as ForecastMetrics,
    stage: record.stage,
  };
}

function toJson(value: unknown): Record<string, Json> {
  return JSON.parse(JSON.stringify(value)) as Record<string, Json>;
}
