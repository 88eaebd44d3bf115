import type { AlignedSeries } from '../series/align-series.js';
import type { OnnxForecaster } from './onnx-forecaster.js';

/** The forecast gate's verdict on a retrained forecaster, with every reason it weighed. */
export interface ForecastGateDecision {
  readonly promote: boolean;
  readonly reasons: readonly string[];
  /** Backtest MAE on the same origins (absent when no champion was compared). */
  readonly candidateMae?: number;
  readonly championMae?: number;
  readonly championVersion?: string;
  /** Largest allowed relative excess of the candidate's MAE over the champion's (0.05 = 5 %). */
  readonly tolerance: number;
  /** Forecast origins both models were judged on. */
  readonly origins: number;
}

/** What the gate uses of a forecaster: its spec and forecasts from given origins. */
export type GatedForecaster = Pick<OnnxForecaster, 'spec' | 'forecastAt'>;

/** How much worse than the champion a retrained forecaster may be. */
export interface ForecastGatePolicy {
  /** Relative excess of the backtest MAE over the champion's allowed (0.05 = 5 %). */
  readonly tolerance: number;
  /** Share of the target's standard deviation over the backtest below which MAE differences are noise (0.01 = 1 %). */
  readonly noiseShare: number;
}

/** Defaults: 5 % worse, or 1 % of the target's spread, whichever is larger. */
export const DEFAULT_FORECAST_GATE: ForecastGatePolicy = Object.freeze({ tolerance: 0.05, noiseShare: 0.01 });

/** The production forecaster of a pair, as the gate needs it. */
export interface ForecastChampion {
  readonly version: string;
  readonly forecaster: GatedForecaster;
}

/**
 * Champion/challenger for forecasters (issue 14, item 8): both forecast from every origin of
 * the candidate's validation period (the latest readings, unseen by the candidate's fit) and
 * the candidate is promoted only if its backtest MAE is not worse than the champion's by more
 * than the policy allows (a share of its MAE, or of the target's spread: whichever is larger). Without a champion, or one that reads other inputs or another
 * step (not comparable), the candidate is promoted and the reason says why.
 */
export async function judgeForecaster(candidate: GatedForecaster, champion: ForecastChampion | undefined, series: AlignedSeries, validationStart: number, policy: ForecastGatePolicy = DEFAULT_FORECAST_GATE): Promise<ForecastGateDecision> {
  const { tolerance } = policy;
  if (!champion) return { promote: true, reasons: ['no production forecaster for this pair: the first one is promoted'], tolerance, origins: 0 };
  const [c, p] = [candidate.spec, champion.forecaster.spec];
  if (p.stepMs !== c.stepMs || p.inputKeys.join(',') !== c.inputKeys.join(',')) {
    return { promote: true, reasons: [`champion ${champion.version} reads other inputs or another step (${p.inputKeys.join('+')} every ${p.stepMs} ms): not comparable, the retrain replaces it`], championVersion: champion.version, tolerance, origins: 0 };
  }
  const horizon = Math.min(c.horizon, p.horizon);
  const length = series.columns[0]!.length;
  const first = Math.max(0, Math.ceil((validationStart - series.start) / series.stepMs));
  const origins = Array.from({ length: Math.max(0, length - horizon - first) }, (_, i) => first + i);
  const [mine, theirs] = [await candidate.forecastAt(series.columns, series.start, origins), await champion.forecaster.forecastAt(series.columns, series.start, origins)];
  const target = series.columns[0]!;
  const actuals: number[] = [];
  let candidateSum = 0;
  let championSum = 0;
  let n = 0;
  let judged = 0;
  origins.forEach((o, i) => {
    const [a, b] = [mine[i], theirs[i]];
    if (!a || !b) return;
    judged++;
    for (let h = 0; h < horizon; h++) {
      const actual = target[o + h + 1]!;
      if (!Number.isFinite(actual)) continue;
      actuals.push(actual);
      candidateSum += Math.abs(a[h]!.predicted - actual);
      championSum += Math.abs(b[h]!.predicted - actual);
      n++;
    }
  });
  if (n === 0) return { promote: true, reasons: [`no validation origin both forecasters could forecast from: not comparable, the retrain replaces ${champion.version}`], championVersion: champion.version, tolerance, origins: 0 };
  const candidateMae = candidateSum / n;
  const championMae = championSum / n;
  const fmt = (x: number) => x.toPrecision(4);
  // A series the champion already forecasts almost perfectly makes any relative tolerance
  // meaningless (0.0014 vs 0.0013): differences below a share of the target's spread are noise.
  const limit = Math.max(championMae * (1 + tolerance), championMae + policy.noiseShare * spreadOf(actuals));
  const allowed = `${(tolerance * 100).toFixed(1)} % or ${(policy.noiseShare * 100).toFixed(1)} % of the target's spread`;
  const promote = candidateMae <= limit;
  const reason = promote
    ? `backtest MAE ${fmt(candidateMae)} is not worse than champion ${champion.version}'s ${fmt(championMae)} by more than ${allowed} on the same ${judged} origins`
    : `backtest MAE ${fmt(candidateMae)} is worse than champion ${champion.version}'s ${fmt(championMae)} by more than ${allowed} on the same ${judged} origins: it stays a candidate`;
  return { promote, reasons: [reason], candidateMae, championMae, championVersion: champion.version, tolerance, origins: judged };
}

function spreadOf(values: readonly number[]): number {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}
