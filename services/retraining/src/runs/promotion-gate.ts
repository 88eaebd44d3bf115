import { z } from 'zod';

/** How a kind's candidate must compare with its champion (configurable per kind). */
export interface GatePolicy {
  /** The metric that must improve, e.g. `auc` (higher is better, as every guarded metric). */
  readonly main: string;
  /** Metrics that may not get worse by more than `tolerance` (the main one included). */
  readonly guarded: readonly string[];
  /** Absolute floors the candidate must meet, per metric. */
  readonly floor: Readonly<Record<string, number>>;
  /** Largest allowed drop of a guarded metric below the champion's. */
  readonly tolerance: number;
  /** Least gain of the main metric over the champion. */
  readonly minGain: number;
}

export const gatePolicySchema = z.strictObject({
  main: z.string().min(1),
  guarded: z.array(z.string().min(1)),
  floor: z.record(z.string(), z.number()),
  tolerance: z.number().min(0).max(1),
  minGain: z.number().min(-1).max(1),
});

/** Defaults: AUC is the main metric, recall at 5 % false alarms is guarded too. */
export const DEFAULT_GATE_POLICY: GatePolicy = Object.freeze({ main: 'auc', guarded: ['auc', 'recall_at_fpr5'], floor: { auc: 0.7 }, tolerance: 0.02, minGain: 0.005 });

/** The gate's verdict with every reason it weighed. */
export interface GateDecision {
  readonly promote: boolean;
  readonly reasons: readonly string[];
  readonly policy: GatePolicy;
  readonly candidate: Readonly<Record<string, number>>;
  /** Absent when there is no champion or it cannot score the held-out set. */
  readonly champion?: Readonly<Record<string, number>>;
}

/**
 * Champion/challenger on the same held-out set: the candidate must meet every floor, must not
 * be worse than the champion by more than `tolerance` on any guarded metric, and must beat it
 * by `minGain` on the main one. Without a comparable champion only the floors apply (and the
 * reasons say so). A metric missing from the candidate fails its floor.
 */
export function judgeCandidate(candidate: Readonly<Record<string, number>>, champion: Readonly<Record<string, number>> | undefined, policy: GatePolicy, championNote?: string): GateDecision {
  const reasons: string[] = [];
  let promote = true;
  const fmt = (x: number) => x.toFixed(4);
  for (const [metric, floor] of Object.entries(policy.floor)) {
    const value = candidate[metric];
    if (value === undefined || !Number.isFinite(value)) {
      promote = false;
      reasons.push(`${metric}: not measured on the held-out set, floor ${fmt(floor)} not met`);
    } else if (value < floor) {
      promote = false;
      reasons.push(`${metric} ${fmt(value)} is below the floor ${fmt(floor)}`);
    } else reasons.push(`${metric} ${fmt(value)} meets the floor ${fmt(floor)}`);
  }
  if (champion === undefined) {
    reasons.push(championNote ?? 'no champion to compare with: floors only');
    return { promote, reasons, policy, candidate };
  }
  for (const metric of policy.guarded) {
    const [c, p] = [candidate[metric], champion[metric]];
    if (c === undefined || p === undefined) continue;
    if (c < p - policy.tolerance) {
      promote = false;
      reasons.push(`${metric} ${fmt(c)} is worse than the champion's ${fmt(p)} by more than ${fmt(policy.tolerance)}`);
    }
  }
  const [c, p] = [candidate[policy.main], champion[policy.main]];
  if (c === undefined || p === undefined) {
    promote = false;
    reasons.push(`${policy.main}: not measured for both models`);
  } else if (c - p < policy.minGain) {
    promote = false;
    reasons.push(`${policy.main} ${fmt(c)} does not beat the champion's ${fmt(p)} by ${fmt(policy.minGain)}`);
  } else reasons.push(`${policy.main} ${fmt(c)} beats the champion's ${fmt(p)} by ${fmt(c - p)}`);
  return { promote, reasons, policy, candidate, champion };
}
