import { SeededRandom, deriveSeed } from './seeded-random.js';

/** A disk in scene units (height = 1, x spans the frame's aspect ratio). */
export interface SceneDisk {
  readonly x: number;
  readonly y: number;
  readonly r: number;
}

/** Where one machine instance sits in its camera's view, and how its parts warm up. */
export interface ThermalSceneGeometry {
  readonly instanceId: number;
  /** Room temperature around which the scene drifts, °C. */
  readonly ambientC: number;
  /** Amplitude of the slow ambient drift over an episode, °C. */
  readonly ambientDriftC: number;
  /** Floor-to-ceiling air temperature difference across the view, °C. */
  readonly verticalGradientC: number;
  /** Housing: centre, half axes, rotation and superellipse exponent (2 = ellipse, 4+ = rounded box). */
  readonly body: { readonly x: number; readonly y: number; readonly rx: number; readonly ry: number; readonly angle: number; readonly exponent: number };
  /** Housing rise over ambient at full load, °C. */
  readonly bodyRiseC: number;
  /** Relative extra rise toward the bearing end of the housing. */
  readonly bodyGradient: number;
  /** Drive-end bearing housing. */
  readonly bearing: SceneDisk;
  /** Bearing rise over the housing at full load, °C. */
  readonly bearingRiseC: number;
  /** Cooling-fan cover at the other end of the housing. */
  readonly fan: SceneDisk;
  /** Fraction of the housing's rise the running fan removes from its cover. */
  readonly fanCooling: number;
  /** Cable terminals on the terminal box. */
  readonly connectors: readonly SceneDisk[];
  /** Terminal rise at full load (∝ load², resistive heating), °C. */
  readonly connectorRiseC: number;
  /** Cable half width; it runs from the first terminal to the top edge. */
  readonly cableHalfWidth: number;
  /** Cable rise at full load, °C. */
  readonly cableRiseC: number;
  /** A warm pipe crossing the background (not load-following), if any. */
  readonly pipe: { readonly y: number; readonly halfWidth: number; readonly riseC: number } | undefined;
  /** Temporal sensor noise σ, °C. */
  readonly noiseC: number;
  /** Per-pixel fixed-pattern offset σ, °C. */
  readonly fixedPatternC: number;
  /** Optical blur σ in pixels. */
  readonly blurPx: number;
}

/** Nominal aspect ratio (4:3, both MLX90640 32×24 and Lepton 80×60) the layout is drawn for. */
export const SCENE_ASPECT = 4 / 3;

/**
 * Geometry of instance `instanceId`, drawn from `deriveSeed(seed, 'thermal-scene', id)`.
 * Positions are in scene units, so one instance looks the same at 32×24 and 80×60.
 */
export function thermalSceneGeometry(instanceId: number, seed: number): ThermalSceneGeometry {
  const random = new SeededRandom(deriveSeed(seed, 'thermal-scene', instanceId));
  const rx = random.uniform(0.28, 0.4);
  const ry = random.uniform(0.14, 0.21);
  const body = {
    x: SCENE_ASPECT / 2 + random.uniform(-0.12, 0.12),
    y: random.uniform(0.5, 0.62),
    rx,
    ry,
    angle: random.uniform(-0.25, 0.25),
    exponent: random.chance(0.5) ? 2 : random.uniform(4, 6),
  };
  const side = random.chance(0.5) ? 1 : -1;
  const along = (lx: number, ly: number): { x: number; y: number } => ({
    x: body.x + lx * Math.cos(body.angle) - ly * Math.sin(body.angle),
    y: body.y + lx * Math.sin(body.angle) + ly * Math.cos(body.angle),
  });
  const bearing = { ...along(side * 0.72 * rx, 0), r: random.uniform(0.05, 0.07) };
  const fan = { ...along(-side * 0.75 * rx, 0), r: Math.min(random.uniform(0.08, 0.12), 0.8 * ry) };
  const connectorCount = random.int(1, 3);
  const start = random.uniform(-0.3, 0.3) * rx;
  const connectors = Array.from({ length: connectorCount }, (_, i) => ({ ...along(start + i * 0.07, -0.78 * ry), r: random.uniform(0.025, 0.04) }));
  return {
    instanceId,
    ambientC: random.uniform(18, 30),
    ambientDriftC: random.uniform(0.5, 2),
    verticalGradientC: random.uniform(-1, 1),
    body,
    bodyRiseC: random.uniform(12, 35),
    bodyGradient: random.uniform(0.05, 0.2),
    bearing,
    bearingRiseC: random.uniform(3, 10),
    fan,
    fanCooling: random.uniform(0.3, 0.6),
    connectors,
    connectorRiseC: random.uniform(2, 6),
    cableHalfWidth: random.uniform(0.008, 0.015),
    cableRiseC: random.uniform(0.5, 2),
    pipe: random.chance(0.5) ? { y: random.uniform(0.08, 0.25), halfWidth: random.uniform(0.02, 0.04), riseC: random.uniform(2, 8) } : undefined,
    noiseC: random.uniform(0.1, 0.5),
    fixedPatternC: random.uniform(0.05, 0.2),
    blurPx: random.uniform(0.5, 0.8),
  };
}
