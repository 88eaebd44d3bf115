import { DataOptionsError } from './data-errors.js';
import { NO_THERMAL_EFFECTS, checkThermalAnomaly, thermalEffects } from './thermal-anomaly.js';
import type { ThermalAnomaly, ThermalEffects } from './thermal-anomaly.js';
import { SCENE_ASPECT, thermalSceneGeometry } from './thermal-scene.js';
import type { SceneDisk, ThermalSceneGeometry } from './thermal-scene.js';
import { SeededRandom, deriveSeed } from './seeded-random.js';

/** What to render; the same options always give the same frame. */
export interface ThermalFrameOptions {
  /** Frame width in pixels (32 for MLX90640, 80 for Lepton). */
  readonly width: number;
  /** Frame height in pixels (24 or 60). */
  readonly height: number;
  /** Machine instance; each has its own geometry, temperatures and sensor. */
  readonly instanceId: number;
  /** Root seed. */
  readonly seed: number;
  /** Frame index within the episode (default 0). */
  readonly t?: number;
  /** Episode (a recording session) of this instance (default 0). */
  readonly episode?: number;
  /** Machine load 0…1 (default: the episode's smooth load profile at `t`). */
  readonly load?: number;
  /** A fault developing over the episode. */
  readonly anomaly?: ThermalAnomaly;
}

/** A rendered frame and the scene state behind it. */
export interface ThermalFrame {
  /** Row-major °C, `width × height`. */
  readonly celsius: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Ambient temperature at this frame, °C. */
  readonly ambientC: number;
  /** Load used for this frame. */
  readonly load: number;
  /** Largest rise the fault causes anywhere in this frame as the sensor sees it (0 if healthy), °C. */
  readonly anomalyDeltaC: number;
}

/** The smooth load profile of an episode at frame `t`, in [0, 1]. */
export function episodeLoad(seed: number, instanceId: number, episode: number, t: number): number {
  const r = new SeededRandom(deriveSeed(seed, 'thermal-load', instanceId, episode));
  const base = r.uniform(0.3, 0.9);
  const a1 = r.uniform(0.1, 0.3);
  const p1 = r.uniform(60, 240);
  const a2 = r.uniform(0.03, 0.08);
  const p2 = r.uniform(15, 40);
  const v = base + a1 * Math.sin((2 * Math.PI * t) / p1 + r.uniform(0, 6.3)) + a2 * Math.sin((2 * Math.PI * t) / p2 + r.uniform(0, 6.3));
  return Math.min(1, Math.max(0, v));
}

/** Ambient temperature of an episode at frame `t`: the instance's room plus a slow drift. */
export function episodeAmbient(geometry: ThermalSceneGeometry, seed: number, episode: number, t: number): number {
  const r = new SeededRandom(deriveSeed(seed, 'thermal-ambient', geometry.instanceId, episode));
  const offset = r.uniform(-1.5, 1.5);
  const period = r.uniform(200, 800);
  return geometry.ambientC + offset + geometry.ambientDriftC * Math.sin((2 * Math.PI * t) / period + r.uniform(0, 6.3));
}

/**
 * Renders one frame: the instance's scene at the episode's ambient and load, blurred by
 * the optics, plus the sensor's fixed-pattern offsets and temporal noise. A faulty frame
 * shares its noise with the healthy frame of the same options, so differences are the fault.
 */
export function renderThermalFrame(options: ThermalFrameOptions): ThermalFrame {
  const { width, height, instanceId, seed, anomaly } = options;
  const t = options.t ?? 0;
  const episode = options.episode ?? 0;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 4 && height >= 4 && width * height <= 1 << 20)) {
    throw new DataOptionsError(`frame size must be integers ≥ 4 with at most 2^20 pixels, got ${width}×${height}`);
  }
  if (!Number.isInteger(instanceId) || instanceId < 0) throw new DataOptionsError(`instanceId must be a non-negative integer, got ${instanceId}`);
  if (!(Number.isFinite(t) && t >= 0)) throw new DataOptionsError(`t must be a finite frame index ≥ 0, got ${t}`);
  if (options.load !== undefined && !(options.load >= 0 && options.load <= 1)) throw new DataOptionsError(`load must be in [0, 1], got ${options.load}`);
  if (anomaly) checkThermalAnomaly(anomaly);

  const geometry = thermalSceneGeometry(instanceId, seed);
  const load = options.load ?? episodeLoad(seed, instanceId, episode, t);
  const ambientC = episodeAmbient(geometry, seed, episode, t);
  const healthy = blur(renderScene(geometry, width, height, ambientC, load, NO_THERMAL_EFFECTS), width, height, geometry.blurPx);
  let celsius = healthy;
  let anomalyDeltaC = 0;
  if (anomaly) {
    const faultRandom = new SeededRandom(deriveSeed(seed, 'thermal-fault', instanceId, episode, anomaly.kind));
    const effects = thermalEffects(anomaly, geometry, t, faultRandom, 1 / height);
    celsius = blur(renderScene(geometry, width, height, ambientC, load, effects), width, height, geometry.blurPx);
    for (let i = 0; i < celsius.length; i++) anomalyDeltaC = Math.max(anomalyDeltaC, celsius[i]! - healthy[i]!);
  }

  // Fixed pattern belongs to the installed sensor (instance and resolution), not the frame.
  const pattern = new SeededRandom(deriveSeed(seed, 'thermal-fpn', instanceId, width, height));
  const noise = new SeededRandom(deriveSeed(seed, 'thermal-noise', instanceId, episode, t, width, height));
  for (let i = 0; i < celsius.length; i++) {
    celsius[i] = celsius[i]! + pattern.gaussian(0, geometry.fixedPatternC) + noise.gaussian(0, geometry.noiseC);
  }
  return { celsius, width, height, ambientC, load, anomalyDeltaC };
}

/** Renders a frame and returns only its °C values (see `renderThermalFrame`). */
export function generateThermalFrame(options: ThermalFrameOptions): Float32Array {
  return renderThermalFrame(options).celsius;
}

function renderScene(g: ThermalSceneGeometry, width: number, height: number, ambientC: number, load: number, fx: ThermalEffects): Float32Array {
  const out = new Float32Array(width * height);
  const edge = 1 / height;
  const b = g.body;
  const cos = Math.cos(b.angle);
  const sin = Math.sin(b.angle);
  const axisX = g.bearing.x - b.x;
  const axisY = g.bearing.y - b.y;
  const axisNorm = axisX * axisX + axisY * axisY || 1;
  const effLoad = load + (1 - load) * fx.loadFollowLoss;
  const cable = g.connectors[0];
  for (let py = 0; py < height; py++) {
    const y = (py + 0.5) / height;
    for (let px = 0; px < width; px++) {
      const x = (px + 0.5 - width / 2) / height + SCENE_ASPECT / 2;
      const amb = ambientC + g.verticalGradientC * (y - 0.5);
      let temp = amb;
      if (g.pipe) temp += g.pipe.riseC * clamp01(0.5 - (Math.abs(y - g.pipe.y) - g.pipe.halfWidth) / edge);
      if (cable) {
        const d = y <= cable.y ? Math.abs(x - cable.x) : Math.hypot(x - cable.x, y - cable.y);
        temp = lerp(temp, amb + g.cableRiseC * load * load, clamp01(0.5 - (d - g.cableHalfWidth) / edge));
      }
      const dx = x - b.x;
      const dy = y - b.y;
      const lx = (dx * cos + dy * sin) / b.rx;
      const ly = (-dx * sin + dy * cos) / b.ry;
      const rho = (Math.abs(lx) ** b.exponent + Math.abs(ly) ** b.exponent) ** (1 / b.exponent);
      const bodyMask = clamp01(0.5 - ((rho - 1) * Math.min(b.rx, b.ry)) / edge);
      const axial = Math.max(-1, Math.min(1, (dx * axisX + dy * axisY) / axisNorm));
      const bodyT = amb + g.bodyRiseC * (0.15 + 0.85 * effLoad) * (1 + g.bodyGradient * axial) + fx.bodyExtraC;
      temp = lerp(temp, bodyT, bodyMask);
      const fanT = amb + (1 - g.fanCooling * fx.fanCoolingScale) * (bodyT - amb);
      temp = lerp(temp, fanT, diskMask(x, y, g.fan, edge));
      temp = lerp(temp, bodyT + g.bearingRiseC * (0.3 + 0.7 * effLoad), diskMask(x, y, g.bearing, edge));
      for (const c of g.connectors) temp = lerp(temp, bodyT + g.connectorRiseC * load * load, diskMask(x, y, c, edge));
      if (fx.hotspot) temp += fx.hotspot.deltaC * diskMask(x, y, fx.hotspot, edge);
      // A spreading warm patch has a wide soft rim: heat diffuses outward from its core.
      if (fx.warmArea) temp += fx.warmArea.deltaC * clamp01(0.5 - (Math.hypot(x - fx.warmArea.x, y - fx.warmArea.y) - fx.warmArea.r) / (0.5 * fx.warmArea.r + edge));
      out[py * width + px] = temp;
    }
  }
  return out;
}

function diskMask(x: number, y: number, disk: SceneDisk, edge: number): number {
  return clamp01(0.5 - (Math.hypot(x - disk.x, y - disk.y) - disk.r) / edge);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function lerp(a: number, b: number, w: number): number {
  return a + (b - a) * w;
}

// Separable 3-tap Gaussian with clamped edges: the optics' point-spread is about a pixel.
function blur(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const side = Math.exp(-1 / (2 * sigma * sigma));
  const k0 = 1 / (1 + 2 * side);
  const k1 = side * k0;
  const tmp = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const row = y * width;
      tmp[row + x] = k0 * src[row + x]! + k1 * (src[row + Math.max(0, x - 1)]! + src[row + Math.min(width - 1, x + 1)]!);
    }
  }
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const up = Math.max(0, y - 1) * width;
    const down = Math.min(height - 1, y + 1) * width;
    for (let x = 0; x < width; x++) out[y * width + x] = k0 * tmp[y * width + x]! + k1 * (tmp[up + x]! + tmp[down + x]!);
  }
  return out;
}
