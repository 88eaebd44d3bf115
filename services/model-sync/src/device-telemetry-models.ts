import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { parseDeviceKey, type DeviceRef } from '@premonitor/contracts';
import type { Database } from '@premonitor/db';

/** A device's own telemetry model as model sync announces it. */
export interface DeviceTelemetryArtifact {
  readonly ref: DeviceRef;
  readonly version: string;
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

/**
 * The per-device telemetry models telemetry-scoring fitted (`telemetry_models`, a read granted
 * to model sync), as ONNX bytes with their sha256 — the graph the service stored beside the
 * model. A model without one (one sensor, or stored before PCA models were exported) is not
 * listed: the device keeps being scored by the core only. Bytes are decoded once per version.
 */
export class DeviceTelemetryModels {
  readonly #db: Kysely<Database>;
  /** `device_id` → the last version read and its artifact (undefined: that version has no ONNX). */
  readonly #cache = new Map<string, { version: string; artifact: DeviceTelemetryArtifact | undefined }>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every device's current model with an ONNX form, or one device's. */
  async list(ref?: DeviceRef): Promise<DeviceTelemetryArtifact[]> {
    let query = this.#db.selectFrom('telemetry_models').select(['device_id', 'model_version']);
    if (ref) query = query.where('device_id', '=', `${ref.site}/${ref.device}`);
    const rows = await query.execute();
    const out: DeviceTelemetryArtifact[] = [];
    for (const row of rows) {
      let cached = this.#cache.get(row.device_id);
      if (cached?.version !== row.model_version) {
        cached = { version: row.model_version, artifact: await this.#read(row.device_id, row.model_version) };
        this.#cache.set(row.device_id, cached);
      }
      if (cached.artifact) out.push(cached.artifact);
    }
    return out;
  }

  /** The bytes of a device's current model when its sha256 is `sha256` (a replaced model is not served). */
  async artifact(ref: DeviceRef, sha256: string): Promise<DeviceTelemetryArtifact | undefined> {
    const [current] = await this.list(ref);
    return current?.sha256 === sha256 ? current : undefined;
  }

  async #read(deviceId: string, version: string): Promise<DeviceTelemetryArtifact | undefined> {
    const ref = parseDeviceKey(deviceId);
    if (!ref) return undefined;
    const row = await this.#db
      .selectFrom('telemetry_models')
      .select(sql<string | null>`model->>'onnx'`.as('onnx'))
      .where('device_id', '=', deviceId)
      .where('model_version', '=', version)
      .executeTakeFirst();
    if (!row?.onnx) return undefined;
    const bytes = new Uint8Array(Buffer.from(row.onnx, 'base64'));
    return { ref, version, sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
  }
}
