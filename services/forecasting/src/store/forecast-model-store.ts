import type { ForecastMetrics } from '../model/train-forecaster.js';
import type { ForecasterSpec } from '../model/forecaster-spec.js';

/** A stored forecaster: one per (device, sensor), the newest being in production. */
export interface ForecastModelRecord {
  readonly deviceId: string;
  readonly sensorKey: string;
  readonly version: string;
  readonly sha256: string;
  readonly size: number;
  readonly createdAt: Date;
  readonly spec: ForecasterSpec;
  readonly metrics: ForecastMetrics;
  /** `production`, or `candidate` when the forecast gate kept it out. */
  readonly stage: string;
}

/** What {@link ForecastModelStore.save} needs. */
export interface NewForecastModel {
  readonly deviceId: string;
  readonly sensorKey: string;
  readonly version: string;
  readonly bytes: Uint8Array;
  readonly spec: ForecasterSpec;
  readonly metrics: ForecastMetrics;
  /** Whether it becomes the pair's production model (the forecast gate's verdict); else it stays a candidate. */
  readonly promote: boolean;
}

/**
 * Where forecasters live between restarts: the port the service codes against, implemented
 * on the shared model registry by `RegistryModelStore` (kind `forecast`, scope `device:sensor`).
 */
export interface ForecastModelStore {
  /** Stores the artifact; makes it the production model of its pair when `promote` (or it is the pair's first). */
  save(model: NewForecastModel): Promise<ForecastModelRecord>;
  /** Every production forecaster with its ONNX bytes. */
  loadProduction(): Promise<{ readonly record: ForecastModelRecord; readonly bytes: Uint8Array }[]>;
}

/** Registry scope of a pair: `site/device:sensor`. */
export function forecastScope(deviceId: string, sensorKey: string): string {
  return `${deviceId}:${sensorKey}`;
}
