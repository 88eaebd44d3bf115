/** One labelled infrared image, at the model's frame size, as the trainer takes it (in memory). */
export interface ThermalIrSample {
  /** Unique id (the data set's image id); the split is drawn by it. */
  readonly id: string;
  /** Class name, one of the plan's classes (the normal one included). */
  readonly label: string;
  /** Row-major `height × width` intensities or °C: the model standardises each image itself. */
  readonly values: Float32Array;
}

/**
 * The classes of the Raptor Maps InfraredSolarModules set; `No-Anomaly` is the normal one.
 * Order is the classifier's output order.
 */
export const THERMAL_IR_CLASSES = [
  'No-Anomaly', 'Cell', 'Cell-Multi', 'Cracking', 'Diode', 'Diode-Multi', 'Hot-Spot', 'Hot-Spot-Multi', 'Offline-Module', 'Shadowing', 'Soiling', 'Vegetation',
] as const;

/** The two hot-spot classes the goals single out. */
export const HOT_SPOT_CLASSES: readonly string[] = ['Hot-Spot', 'Hot-Spot-Multi'];
