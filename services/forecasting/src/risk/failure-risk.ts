import { firstPassageProbability, normalCdf, normalQuantile } from './first-passage.js';

/** Operating limits of one sensor; either side may be absent. */
export interface OperatingLimits {
  readonly low?: number;
  readonly high?: number;
}

/** One forecast step with its interval. */
export interface RiskStep {
  readonly hoursAhead: number;
  readonly predicted: number;
  readonly lower: number;
  readonly upper: number;
}

export type RiskLevel = 'low' | 'medium' | 'high';

/** Risk score thresholds (0–100) of the levels. */
export interface RiskThresholds {
  /** At or above: medium (default 30). */
  readonly medium: number;
  /** At or above: high (default 70). */
  readonly high: number;
}

export const DEFAULT_RISK_THRESHOLDS: RiskThresholds = Object.freeze({ medium: 30, high: 70 });

/** Input of {@link assessFailureRisk}. */
export interface RiskInput {
  readonly sensorKey: string;
  /** Last observed value (time 0 of the forecast). */
  readonly lastValue: number;
  readonly steps: readonly RiskStep[];
  readonly limits: OperatingLimits;
  /** Nominal coverage of the steps' intervals, e.g. 0.9. */
  readonly intervalLevel: number;
  readonly thresholds?: RiskThresholds;
  /** Trend extrapolation beyond the horizon stops here (default 10× the horizon). */
  readonly maxExtrapolationHours?: number;
  /** How a step's interval becomes a probability (default {@link DEFAULT_CROSSING_RULE}). */
  readonly crossing?: CrossingRule;
}

/**
 * `first-passage`: the probability that the value *touches* the limit by the step (the
 * first-passage law of a drifting random walk matched to the step's mean and interval);
 * `marginal`: the probability that the value *is* beyond the limit at the step (the rule
 * before issue 15, which warned only once the forecast itself reached the limit).
 */
export type CrossingRule = 'first-passage' | 'marginal';

/** The rule the service uses (chosen on the validation parts, service README "Failure risk"). */
export const DEFAULT_CROSSING_RULE: CrossingRule = 'first-passage';

/** Failure risk of one sensor, as the API and the bus report it. */
export interface FailureRisk {
  readonly riskScore: number;
  readonly riskLevel: RiskLevel;
  readonly timeToFailureHours: number | null;
  readonly recommendedAction: string;
  /** The limit the risk is about (the likelier one to be crossed). */
  readonly limit: { readonly side: 'low' | 'high'; readonly value: number } | null;
  /** The device's recent telemetry anomaly score (mean over the lookback) when it entered the risk; else absent. */
  readonly anomalyScore?: number;
}

/**
 * Risk from a forecast and operating limits (formula in the service README):
 * each step is read as a normal with mean ŷ and σ = interval width / (2·z), z the normal
 * quantile of the interval level; the step's probability is, by the crossing rule, that the
 * value touches the limit by then ({@link firstPassageProbability} of the distance y₀ → limit,
 * the displacement y₀ → ŷ and σ) or that it is beyond it then (Φ((ŷ − high)/σ) or
 * Φ((low − ŷ)/σ)); the score is 100 × the largest over steps and limits (100 when the last
 * value is already outside). Hours to the limit: where the forecast crosses it (linear
 * between steps), else a linear extrapolation of the forecast trend, else null.
 */
export function assessFailureRisk(input: RiskInput): FailureRisk {
  const thresholds = input.thresholds ?? DEFAULT_RISK_THRESHOLDS;
  const z = normalQuantile((1 + input.intervalLevel) / 2);
  const sides: { side: 'low' | 'high'; value: number; sign: 1 | -1 }[] = [];
  if (input.limits.high !== undefined) sides.push({ side: 'high', value: input.limits.high, sign: 1 });
  if (input.limits.low !== undefined) sides.push({ side: 'low', value: input.limits.low, sign: -1 });

  const firstPassage = (input.crossing ?? DEFAULT_CROSSING_RULE) === 'first-passage';
  let best = { p: 0, side: sides[0], ttf: null as number | null };
  for (const s of sides) {
    const distance = s.sign * (s.value - input.lastValue);
    let p = distance <= 0 ? 1 : 0;
    for (const step of input.steps) {
      if (p === 1) break;
      const sigma = Math.max((step.upper - step.lower) / (2 * z), 1e-9 * (Math.abs(s.value) + 1));
      const displacement = s.sign * (step.predicted - input.lastValue);
      p = Math.max(p, firstPassage ? firstPassageProbability(distance, displacement, sigma) : normalCdf((displacement - distance) / sigma));
    }
    const ttf = hoursToLimit(input, s.value, s.sign);
    if (p > best.p || (p === best.p && ttf !== null && (best.ttf === null || ttf < best.ttf))) best = { p, side: s, ttf };
  }
  const riskScore = Math.round(1000 * best.p) / 10;
  const riskLevel = levelOf(riskScore, best.ttf, thresholds);
  const limit = best.side ? { side: best.side.side, value: best.side.value } : null;
  return { riskScore, riskLevel, timeToFailureHours: best.ttf, recommendedAction: recommend(input.sensorKey, riskLevel, best.ttf, limit), limit };
}

/**
 * The level of a score; at least medium whenever a time to the limit is reported: a forecast
 * that reaches the limit (or trends into it within the extrapolation bound) is never "no action",
 * however wide its intervals made the probability.
 */
function levelOf(score: number, ttf: number | null, thresholds: RiskThresholds): RiskLevel {
  if (score >= thresholds.high) return 'high';
  return score >= thresholds.medium || ttf !== null ? 'medium' : 'low';
}

/** How the telemetry anomaly score enters the risk. */
export interface AnomalyRiskRule {
  /** The scoring service's alarm threshold on its [0, 1] score. */
  readonly threshold: number;
}

export const DEFAULT_ANOMALY_RISK_RULE: AnomalyRiskRule = Object.freeze({ threshold: 0.5 });

/**
 * The forecast's risk combined with the device's telemetry anomaly score, which rises while the
 * machine drifts from its own normal — usually before a single sensor crosses a limit. The
 * anomaly's probability is p_a = min(1, 0.7 · s / threshold), s the mean score over the lookback
 * (a score held at the alarm threshold is a high risk on its own, half of it medium); the two
 * are combined as independent causes, p = 1 − (1 − p_f)(1 − p_a). The time to the limit stays
 * the forecast's.
 */
export function combineWithAnomaly(
  risk: FailureRisk,
  sensorKey: string,
  anomalyScore: number | undefined,
  rule: AnomalyRiskRule = DEFAULT_ANOMALY_RISK_RULE,
  thresholds: RiskThresholds = DEFAULT_RISK_THRESHOLDS,
): FailureRisk {
  if (anomalyScore === undefined || !Number.isFinite(anomalyScore)) return risk;
  const pa = Math.min(1, Math.max(0, (0.7 * anomalyScore) / rule.threshold));
  const riskScore = Math.round(1000 * (1 - (1 - risk.riskScore / 100) * (1 - pa))) / 10;
  const riskLevel = levelOf(riskScore, risk.timeToFailureHours, thresholds);
  const recommendedAction =
    riskLevel === risk.riskLevel
      ? risk.recommendedAction
      : `${riskLevel === 'high' ? 'Schedule an inspection soon' : 'Plan an inspection'}: the device's telemetry anomaly score is ${anomalyScore.toFixed(2)} (alarm threshold ${rule.threshold}); ${sensorKey} is forecast ${risk.riskLevel === 'low' ? 'to stay within its limits for now' : 'near its limits'}.`;
  return { ...risk, riskScore, riskLevel, recommendedAction, anomalyScore: Math.round(anomalyScore * 1000) / 1000 };
}


function hoursToLimit(input: RiskInput, limit: number, sign: 1 | -1): number | null {
  const d = (x: number) => sign * (x - limit);
  if (d(input.lastValue) >= 0) return 0;
  let prevH = 0;
  let prevY = input.lastValue;
  for (const step of input.steps) {
    if (d(step.predicted) >= 0) {
      const frac = (limit - prevY) / (step.predicted - prevY);
      return round2(prevH + frac * (step.hoursAhead - prevH));
    }
    prevH = step.hoursAhead;
    prevY = step.predicted;
  }
  const last = input.steps[input.steps.length - 1];
  if (!last || last.hoursAhead <= 0) return null;
  const slope = (last.predicted - input.lastValue) / last.hoursAhead;
  if (sign * slope <= 0) return null;
  const hours = last.hoursAhead + (limit - last.predicted) / slope;
  return hours <= (input.maxExtrapolationHours ?? 10 * last.hoursAhead) ? round2(hours) : null;
}

function recommend(key: string, level: RiskLevel, ttf: number | null, limit: FailureRisk['limit']): string {
  if (!limit) return `No operating limits configured for ${key}; set them to get a failure risk.`;
  const verb = limit.side === 'high' ? 'rise above' : 'fall below';
  const when = ttf === null ? '' : ttf === 0 ? ' (already outside)' : ` in about ${formatHours(ttf)}`;
  if (level === 'high') {
    if (ttf === 0) return `Inspect now: ${key} is outside its ${limit.side} limit ${limit.value}.`;
    // High without a time: the point forecast stays inside, but its interval makes touching the
    // limit within the horizon likely (the first-passage rule), so say that rather than "forecast to".
    if (ttf === null) return `Schedule maintenance soon: ${key} is likely to reach its ${limit.side} limit ${limit.value} within the forecast horizon.`;
    return `Schedule maintenance within ${formatHours(ttf)}: ${key} is forecast to ${verb} its ${limit.side} limit ${limit.value}${when}.`;
  }
  if (level === 'medium') return `Plan an inspection: ${key} may ${verb} its ${limit.side} limit ${limit.value}${when}; watch the trend.`;
  return `No action needed: ${key} is forecast to stay within its limits.`;
}

function formatHours(h: number): string {
  return h < 1 ? `${Math.max(1, Math.round(h * 60))} min` : h < 48 ? `${Math.round(h * 10) / 10} h` : `${Math.round(h / 24)} days`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
