/** When an enrolling device's sample may join its baseline. */
export interface EnrollmentPolicy {
  /**
   * Samples whose fleet score reaches this are left out: a machine that already sounds
   * faulty to the fleet model must not teach its fault to its own baseline.
   */
  readonly maxFleetScore: number;
  /**
   * Least time between two accepted samples, ms, so that a baseline spans the machine's
   * operating range (load cycles, ambient drift) rather than one moment of it.
   */
  readonly minIntervalMs: number;
}

/** Why a sample was not taken, or `accepted`. */
export type EnrollmentDecision = 'accepted' | 'fleet_anomalous' | 'too_soon';

/**
 * Decides whether one scored sample joins the baseline being enrolled. `lastAcceptedAt` is
 * the capture time of the previous accepted sample (undefined for the first).
 */
export function enrollmentDecision(policy: EnrollmentPolicy, sample: { readonly fleetScore: number; readonly at: number }, lastAcceptedAt: number | undefined): EnrollmentDecision {
  if (!(sample.fleetScore < policy.maxFleetScore)) return 'fleet_anomalous';
  if (lastAcceptedAt !== undefined && sample.at - lastAcceptedAt < policy.minIntervalMs) return 'too_soon';
  return 'accepted';
}
