import type { Prediction } from './forecast-service.js';

/** One row of the maintenance schedule. */
export interface MaintenanceItem {
  readonly device_id: string;
  readonly sensor_key: string;
  /** 1 = do first. */
  readonly priority: number;
  readonly priority_label: 'critical' | 'high' | 'medium' | 'low';
  readonly risk_level: string;
  readonly risk_score: number;
  readonly time_to_failure_hours: number | null;
  /** When to act: now + the hours to the limit minus a safety margin of a quarter (at least now). */
  readonly suggested_date: string | null;
  readonly recommended_action: string;
}

/**
 * Ranks predictions for maintenance within `daysAhead`: pairs at medium/high risk or whose
 * limit is expected inside the window, by risk score, then by hours to failure.
 */
export function buildMaintenanceSchedule(predictions: readonly Prediction[], daysAhead: number, now: number): MaintenanceItem[] {
  const horizonHours = daysAhead * 24;
  const due = predictions.filter((p) => p.risk.riskLevel !== 'low' || (p.risk.timeToFailureHours !== null && p.risk.timeToFailureHours <= horizonHours));
  due.sort((a, b) => b.risk.riskScore - a.risk.riskScore || (a.risk.timeToFailureHours ?? Infinity) - (b.risk.timeToFailureHours ?? Infinity));
  return due.map((p, i) => {
    const ttf = p.risk.timeToFailureHours;
    const label = ttf === 0 || p.risk.riskScore >= 90 ? 'critical' : p.risk.riskLevel === 'high' ? 'high' : p.risk.riskLevel === 'medium' ? 'medium' : 'low';
    return {
      device_id: p.record.deviceId,
      sensor_key: p.record.sensorKey,
      priority: i + 1,
      priority_label: label,
      risk_level: p.risk.riskLevel,
      risk_score: p.risk.riskScore,
      time_to_failure_hours: ttf,
      suggested_date: ttf === null ? null : new Date(now + Math.max(0, ttf * 0.75) * 3_600_000).toISOString(),
      recommended_action: p.risk.recommendedAction,
    };
  });
}
