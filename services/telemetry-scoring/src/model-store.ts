import type { Kysely } from 'kysely';
import { deviceKey, type DeviceRef } from '@premonitor/contracts';
import type { Database, Json } from '@premonitor/db';
import type { LayerSpec } from '@premonitor/ml';
import type { DeviceModel } from './device-model.js';
import type { StoredModel } from './device-tracker.js';
import type { FamilyChoice } from './device-fit-options.js';

/** Where device models are kept across restarts. */
export interface ModelStore {
  save(ref: DeviceRef, stored: StoredModel, enrolledRows: number): Promise<void>;
  remove(ref: DeviceRef): Promise<void>;
  /** Every stored model, by `site/device`. */
  loadAll(): Promise<Map<string, StoredModel>>;
}

/** {@link ModelStore} over `telemetry_models`. */
export class KyselyModelStore implements ModelStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(ref: DeviceRef, stored: StoredModel, enrolledRows: number): Promise<void> {
    const row = {
      device_id: deviceKey(ref),
      model_version: stored.version,
      step_ms: stored.stepMs,
      keys: JSON.stringify(stored.model.keys),
      sensors: JSON.stringify(stored.model.sensors),
      model: JSON.stringify({ ...modelJson(stored.model), ...(stored.choice ? { choice: stored.choice } : {}) }),
      enrolled_rows: enrolledRows,
      ready_at: new Date(stored.readyAt),
    };
    await this.db
      .insertInto('telemetry_models')
      .values(row)
      .onConflict((oc) => oc.column('device_id').doUpdateSet(row))
      .execute();
  }

  async remove(ref: DeviceRef): Promise<void> {
    await this.db.deleteFrom('telemetry_models').where('device_id', '=', deviceKey(ref)).execute();
  }

  async loadAll(): Promise<Map<string, StoredModel>> {
    const rows = await this.db.selectFrom('telemetry_models').selectAll().execute();
    return new Map(
      rows.map((r) => {
        const choice = (typeof r.model === 'string' ? JSON.parse(r.model) : r.model)?.choice as FamilyChoice | undefined;
        return [r.device_id, { version: r.model_version, stepMs: r.step_ms, readyAt: r.ready_at.getTime(), model: modelFromJson(r.keys, r.sensors, r.model), ...(choice ? { choice } : {}) }];
      }),
    );
  }
}

/** A PCA model as stored; rows written before the conv autoencoder existed have no `family`. */
interface PcaModelJson {
  family?: 'pca-t2q';
  windowSteps: number;
  errorThreshold: number;
  mean: number[];
  scale: number[];
  components: number[];
  eigenvalues: number[];
  t2Mean: number;
  qMean: number;
  /** Its ONNX graph in base64 (models stored before PCA was exported have none). */
  onnx?: string;
}

/** A conv autoencoder as stored: its layers with weights as plain arrays, and its ONNX graph in base64. */
interface ConvAeModelJson {
  family: 'conv-ae';
  windowSteps: number;
  errorThreshold: number;
  mean: number[];
  scale: number[];
  layers: unknown[];
  onnx: string;
}

type ModelJson = PcaModelJson | ConvAeModelJson;

function modelJson(m: DeviceModel): ModelJson {
  if (m.family === 'conv-ae') {
    return {
      family: 'conv-ae',
      windowSteps: m.windowSteps,
      errorThreshold: m.errorThreshold,
      mean: [...m.scaler.mean],
      scale: [...m.scaler.scale],
      // Weights (Float32Array) as arrays; every other field of a layer is already JSON.
      layers: m.layers.map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, v instanceof Float32Array ? { f32: [...v] } : v]))),
      onnx: Buffer.from(m.onnx).toString('base64'),
    };
  }
  return {
    family: 'pca-t2q',
    windowSteps: m.windowSteps,
    errorThreshold: m.errorThreshold,
    mean: [...m.pca.scaler.mean],
    scale: [...m.pca.scaler.scale],
    components: [...m.pca.components],
    eigenvalues: [...m.pca.eigenvalues],
    t2Mean: m.pca.t2Mean,
    qMean: m.pca.qMean,
    ...(m.onnx ? { onnx: Buffer.from(m.onnx).toString('base64') } : {}),
  };
}

function modelFromJson(keys: Json, sensors: Json, model: Json): DeviceModel {
  // jsonb comes back parsed (pg) or as text (some drivers): accept both.
  const parse = <T>(v: Json): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  const m = parse<ModelJson>(model);
  const common = { keys: parse<string[]>(keys), sensors: parse<string[]>(sensors), windowSteps: m.windowSteps, errorThreshold: m.errorThreshold };
  if (m.family === 'conv-ae') {
    const isWeights = (v: unknown): v is { f32: number[] } => typeof v === 'object' && v !== null && 'f32' in v;
    const layers = m.layers.map((l) => Object.fromEntries(Object.entries(l as Record<string, unknown>).map(([k, v]) => [k, isWeights(v) ? Float32Array.from(v.f32) : v])) as unknown as LayerSpec);
    return { ...common, family: 'conv-ae', scaler: { mean: Float32Array.from(m.mean), scale: Float32Array.from(m.scale) }, layers, onnx: new Uint8Array(Buffer.from(m.onnx, 'base64')) };
  }
  return {
    ...common,
    family: 'pca-t2q',
    pca: {
      scaler: { mean: Float32Array.from(m.mean), scale: Float32Array.from(m.scale) },
      components: Float32Array.from(m.components),
      eigenvalues: Float32Array.from(m.eigenvalues),
      t2Mean: m.t2Mean,
      qMean: m.qMean,
    },
    ...(m.onnx ? { onnx: new Uint8Array(Buffer.from(m.onnx, 'base64')) } : {}),
  };
}
