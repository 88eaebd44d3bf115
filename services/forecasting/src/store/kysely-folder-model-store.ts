import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, Json } from '@premonitor/db';
import { ModelFormatError } from '../errors.js';
import { forecasterSpecSchema } from '../model/forecaster-spec.js';
import type { ForecastMetrics } from '../model/train-forecaster.js';
import { forecastScope, type ForecastModelRecord, type ForecastModelStore, type NewForecastModel } from './forecast-model-store.js';

const KIND = 'forecast';

const metadataSchema = z.object({ deviceId: z.string(), sensorKey: z.string(), spec: forecasterSpecSchema });

/**
 * Interim {@link ForecastModelStore}: rows in the shared `models` table (kind `forecast`,
 * scope `device:sensor`, stage production/archived) and the ONNX bytes in a folder named by
 * their sha256 — the same layout the registry library is meant to own, so its adoption is a
 * wiring change.
 */
export class KyselyFolderModelStore implements ForecastModelStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dir: string,
  ) {}

  async save(model: NewForecastModel): Promise<ForecastModelRecord> {
    const sha256 = createHash('sha256').update(model.bytes).digest('hex');
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${sha256}.onnx`);
    // Write then rename: a crash never leaves a truncated artifact under its final name.
    await writeFile(`${path}.tmp`, model.bytes);
    await rename(`${path}.tmp`, path);
    const scope = forecastScope(model.deviceId, model.sensorKey);
    const metadata = toJson({ deviceId: model.deviceId, sensorKey: model.sensorKey, spec: model.spec });
    const row = await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('models').set({ stage: 'archived' }).where('kind', '=', KIND).where('scope', '=', scope).where('stage', '=', 'production').execute();
      return trx
        .insertInto('models')
        .values({ kind: KIND, scope, version: model.version, stage: 'production', sha256, size: model.bytes.length, metrics: toJson(model.metrics), metadata, promoted_at: new Date() })
        .returning(['created_at'])
        .executeTakeFirstOrThrow();
    });
    return { deviceId: model.deviceId, sensorKey: model.sensorKey, version: model.version, sha256, size: model.bytes.length, createdAt: row.created_at, spec: model.spec, metrics: model.metrics };
  }

  async loadProduction(): Promise<{ record: ForecastModelRecord; bytes: Uint8Array }[]> {
    const rows = await this.db.selectFrom('models').selectAll().where('kind', '=', KIND).where('stage', '=', 'production').orderBy('scope').execute();
    return Promise.all(
      rows.map(async (row) => {
        const meta = metadataSchema.safeParse(row.metadata);
        if (!meta.success) throw new ModelFormatError(`forecast model ${row.version} (${row.scope}) has metadata this service cannot read: ${meta.error.issues[0]?.message ?? ''}`);
        const bytes = new Uint8Array(await readFile(join(this.dir, `${row.sha256}.onnx`)));
        const record: ForecastModelRecord = {
          deviceId: meta.data.deviceId,
          sensorKey: meta.data.sensorKey,
          version: row.version,
          sha256: row.sha256,
          size: row.size,
          createdAt: row.created_at,
          spec: meta.data.spec,
          metrics: row.metrics as unknown as ForecastMetrics,
        };
        return { record, bytes };
      }),
    );
  }
}

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}
