import { DataOptionsError } from './data-errors.js';
import type { SceneDisk, ThermalSceneGeometry } from './thermal-scene.js';
import type { SeededRandom } from './seeded-random.js';

/** Thermal fault signatures. */
export const THERMAL_ANOMALY_KINDS = ['hotspot', 'overheating', 'cooling_failure', 'spreading'] as const;

/** One of `THERMAL_ANOMALY_KINDS`. */
export type ThermalAnomalyKind = (typeof THERMAL_ANOMALY_KINDS)[number];

/** A thermal fault within an episode; it develops from `onsetT` over `rampFrames` frames. */
export interface ThermalAnomaly {
  readonly kind: ThermalAnomalyKind;
  /** 0 = no visible effect, 1 = severe. */
  readonly severity: number;
  /** Frame at which the fault starts (default 0). */
  readonly onsetT?: number;
  /** Frames until full effect; 0 (default) = full effect from the onset. */
  readonly rampFrames?: number;
  /** Hotspot location (default: drawn per episode). */
  readonly target?: 'bearing' | 'connector';
  /** Override of the peak rise in °C (default from severity). */
  readonly deltaC?: number;
}

/** What a fault does to the scene at one frame; the renderer applies it. */
export interface ThermalEffects {
  /** Extra housing rise (propagates to the parts on it), °C. */
  readonly bodyExtraC: number;
  /** 0…1: how far housing temperature has stopped following load toward full-load heat. */
  readonly loadFollowLoss: number;
  /** Multiplier on the fan cover's cooling (1 = healthy, 0 = fan dead). */
  readonly fanCoolingScale: number;
  /** A flat-topped local rise. */
  readonly hotspot?: SceneDisk & { readonly deltaC: number };
  /** A soft-edged warm patch. */
  readonly warmArea?: SceneDisk & { readonly deltaC: number };
}

/** The effects of a healthy machine. */
export const NO_THERMAL_EFFECTS: ThermalEffects = { bodyExtraC: 0, loadFollowLoss: 0, fanCoolingScale: 1 };

/** Throws `DataOptionsError` unless the anomaly is well-formed. */
export function checkThermalAnomaly(anomaly: ThermalAnomaly): void {
  if (!(THERMAL_ANOMALY_KINDS as readonly string[]).includes(anomaly.kind)) {
    throw new DataOptionsError(`unknown thermal anomaly '${anomaly.kind}'; use one of ${THERMAL_ANOMALY_KINDS.join(', ')}`);
  }
  if (!(anomaly.severity >= 0 && anomaly.severity <= 1)) throw new DataOptionsError(`anomaly severity must be in [0, 1], got ${anomaly.severity}`);
  if (anomaly.rampFrames !== undefined && !(anomaly.rampFrames >= 0)) throw new DataOptionsError('rampFrames must be ≥ 0');
}

/** Fraction of the fault's full effect reached at frame `t` (smoothstep ramp). */
export function anomalyProgress(anomaly: ThermalAnomaly, t: number): number {
  const onset = anomaly.onsetT ?? 0;
  const ramp = anomaly.rampFrames ?? 0;
  if (t < onset) return 0;
  if (ramp <= 0) return 1;
  const x = Math.min(1, (t - onset) / ramp);
  return x * x * (3 - 2 * x);
}

/**
 * Effects of a fault at frame `t`. `random` must be the episode's fault stream so that the
 * location of a hotspot or warm patch stays put over the episode.
 */
export function thermalEffects(anomaly: ThermalAnomaly, geometry: ThermalSceneGeometry, t: number, random: SeededRandom, pixelSize: number): ThermalEffects {
  const p = anomalyProgress(anomaly, t);
  const s = anomaly.severity;
  switch (anomaly.kind) {
    case 'hotspot': {
      const target = anomaly.target ?? (random.chance(0.5) ? 'bearing' : 'connector');
      const disk = target === 'bearing' ? geometry.bearing : random.pick(geometry.connectors);
      // A flat core of ≥ 1.8 px survives the optics' blur, so the sensor sees the full rise.
      const r = Math.max(disk.r * 0.8, 1.8 * pixelSize);
      return { ...NO_THERMAL_EFFECTS, hotspot: { x: disk.x, y: disk.y, r, deltaC: p * (anomaly.deltaC ?? 4 + 26 * s) } };
    }
    case 'overheating':
      return { ...NO_THERMAL_EFFECTS, bodyExtraC: p * (anomaly.deltaC ?? 5 + 20 * s) };
    case 'cooling_failure':
      return {
        bodyExtraC: p * (anomaly.deltaC ?? 3 + 9 * s),
        loadFollowLoss: p * (0.5 + 0.5 * s),
        fanCoolingScale: 1 - p,
      };
    case 'spreading': {
      const b = geometry.body;
      const lx = random.uniform(-0.5, 0.5) * b.rx;
      const ly = random.uniform(-0.5, 0.5) * b.ry;
      const x = b.x + lx * Math.cos(b.angle) - ly * Math.sin(b.angle);
      const y = b.y + lx * Math.sin(b.angle) + ly * Math.cos(b.angle);
      const r = 2 * pixelSize + p * random.uniform(0.6, 1) * b.ry;
      const deltaC = (anomaly.deltaC ?? 3 + 9 * s) * Math.min(1, 0.3 + p);
      return { ...NO_THERMAL_EFFECTS, warmArea: { x, y, r, deltaC: p > 0 ? deltaC : 0 } };
    }
  }
}
