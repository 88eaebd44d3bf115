/**
 * How an enrolling device's frames are judged:
 * - `commissioning` (the default since issue 13): every frame, spaced, joins the baseline
 *   whatever the fleet model thinks of it — a fleet model has no skill on many real machines
 *   (MIMII normals scored 0.85–1.0), so gating on it meant real machines never enrolled. The
 *   fleet score is still stored with each sample and shown; an engineer who knows the machine
 *   is faulty marks it so, and it does not enroll.
 * - `fleet`: only frames the fleet finds healthy (`fleetScore < maxFleetScore`) join — the
 *   policy before issue 13, for fleets whose model was calibrated on machines like these.
 */
export type EnrollmentGate = 'commissioning' | 'fleet';

/** When an enrolling device's sample may join its baseline. */
export interface EnrollmentPolicy {
  /** Default `commissioning`: see {@link EnrollmentGate}. */
  readonly gate?: EnrollmentGate;
  /**
   * The fleet score at which a sample counts as anomalous to the fleet: left out under the
   * `fleet` gate, counted (shown, not a gate) under `commissioning`.
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
  if (policy.gate === 'fleet' && !(sample.fleetScore < policy.maxFleetScore)) return 'fleet_anomalous';
  if (lastAcceptedAt !== undefined && sample.at - lastAcceptedAt < policy.minIntervalMs) return 'too_soon';
  return 'accepted';
}

/** True when the fleet model finds the sample anomalous (NaN counts as anomalous). */
export function fleetFindsAnomalous(policy: Pick<EnrollmentPolicy, 'maxFleetScore'>, fleetScore: number): boolean {
  return !(fleetScore < policy.maxFleetScore);
}
