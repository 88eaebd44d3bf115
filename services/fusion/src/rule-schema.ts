import { z } from 'zod';
import { FRAME_KINDS, READING_KEY_PATTERN, READING_KEY_RULE, SCORE_KINDS, SEVERITIES } from '@premonitor/contracts';

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must match [a-z0-9-]{1,64}');
const unit = z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1');
const duration = z.number().int('must be an integer (ms)').min(0, 'must be ≥ 0');

const common = {
  id: ruleId,
  /** What the alert says, e.g. "acoustic anomaly". */
  title: z.string().min(1).max(200),
  severity: z.enum(SEVERITIES),
  /** A raised alert resolves itself after this long without its condition holding. */
  quietPeriodMs: duration.default(300_000),
  enabled: z.boolean().default(true),
};

/** Above `above`, a raise carries `severity` instead of the rule's own (never lowers it). */
const escalation = z.strictObject({ above: z.number(), severity: z.enum(SEVERITIES) });

/**
 * A condition that has held without clearing for `forMs` of the device's own time raises with
 * `severity` (never lowers it): "warning when it crosses, critical when sustained".
 */
const sustained = z.strictObject({ forMs: duration.min(1, 'must be ≥ 1'), severity: z.enum(SEVERITIES) });

/** K of the last M observations above `raiseAbove` raise; one below `clearBelow` clears. */
const flapping = {
  raiseAbove: z.number(),
  clearBelow: z.number(),
  k: z.number().int().min(1, 'must be ≥ 1').default(1),
  m: z.number().int().min(1, 'must be ≥ 1').max(100, 'must be ≤ 100').default(1),
  escalation: escalation.optional(),
  sustained: sustained.optional(),
};

/**
 * The most a raise may carry when the score was taken against the fleet (`reference: fleet`:
 * the device is not enrolled yet, or was marked faulty): an uncalibrated fleet model never
 * raises CRITICAL. Default INFO; a fleet whose model was calibrated on machines like these
 * may raise it.
 */
const fleetSeverity = z.enum(SEVERITIES).default('INFO');

const scoreRule = z.strictObject({ ...common, kind: z.literal('score'), signal: z.enum(SCORE_KINDS), ...flapping, fleetSeverity });
const readingRule = z.strictObject({
  ...common,
  kind: z.literal('reading'),
  key: z.string().regex(READING_KEY_PATTERN, READING_KEY_RULE),
  ...flapping,
});
const correlatedRule = z.strictObject({
  ...common,
  kind: z.literal('correlated'),
  /** Every listed signal must score above its threshold within `windowMs` of the others. */
  thresholds: z
    .partialRecord(z.enum(FRAME_KINDS), unit)
    .refine((t) => Object.keys(t).length >= 2, 'must name at least two signals'),
  windowMs: duration.min(1, 'must be ≥ 1').default(30_000),
  fleetSeverity,
});
const forecastRule = z.strictObject({ ...common, kind: z.literal('forecast'), riskLevel: z.enum(['medium', 'high']).default('high') });
/**
 * The model watch of retraining (`pm.model-health.*`): `drift` holds while the device's scores
 * have drifted from the production model's reference and resolves once they are back (after
 * the quiet period); `rollback` is raised when a promotion was rolled back by itself and
 * resolves after its quiet period.
 */
const modelRule = z.strictObject({ ...common, kind: z.literal('model'), event: z.enum(['drift', 'rollback']) });
const offlineRule = z.strictObject({
  ...common,
  kind: z.literal('offline'),
  /** No data (score, telemetry, status) for this long counts as offline. */
  silenceMs: duration.min(1, 'must be ≥ 1').default(120_000),
});

/** One fusion rule, validated. */
export const ruleSchema = z
  .discriminatedUnion('kind', [scoreRule, readingRule, correlatedRule, forecastRule, modelRule, offlineRule])
  .superRefine((rule, ctx) => {
    if (rule.kind !== 'score' && rule.kind !== 'reading') return;
    if (rule.clearBelow > rule.raiseAbove) ctx.addIssue({ code: 'custom', path: ['clearBelow'], message: `must not be above raiseAbove (${rule.raiseAbove})` });
    if (rule.k > rule.m) ctx.addIssue({ code: 'custom', path: ['k'], message: `must not exceed m (${rule.m})` });
    if (rule.escalation && rule.escalation.above < rule.raiseAbove) {
      ctx.addIssue({ code: 'custom', path: ['escalation', 'above'], message: `must not be below raiseAbove (${rule.raiseAbove})` });
    }
  });

export type Rule = z.infer<typeof ruleSchema>;
export type RuleKind = Rule['kind'];
export type ScoreRule = Extract<Rule, { kind: 'score' }>;
export type ReadingRule = Extract<Rule, { kind: 'reading' }>;
export type CorrelatedRule = Extract<Rule, { kind: 'correlated' }>;
export type ForecastRule = Extract<Rule, { kind: 'forecast' }>;
export type OfflineRule = Extract<Rule, { kind: 'offline' }>;
export type ModelRule = Extract<Rule, { kind: 'model' }>;

/** A rule or the fields that change the rule of the same id; checked once merged. */
export const rulePatchSchema = z.looseObject({ id: ruleId });
export type RulePatch = z.infer<typeof rulePatchSchema>;

/** Patches for one site, or one device of a site. */
export const ruleOverrideSchema = z.strictObject({
  site: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}'),
  device: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}').optional(),
  rules: z.array(rulePatchSchema),
});
export type RuleOverride = z.infer<typeof ruleOverrideSchema>;

/** The rules file (FUSION_RULES_FILE): fleet-wide patches or new rules, then overrides. */
export const ruleFileSchema = z.strictObject({
  rules: z.array(rulePatchSchema).default([]),
  overrides: z.array(ruleOverrideSchema).default([]),
});
export type RuleFile = z.infer<typeof ruleFileSchema>;

/** The defaults from the field (issue 4), before any file or table changes them. */
export const DEFAULT_RULES: readonly Rule[] = Object.freeze(
  [
    { id: 'acoustic-anomaly', kind: 'score', signal: 'acoustic', title: 'acoustic anomaly', severity: 'CRITICAL', raiseAbove: 0.85, clearBelow: 0.7 },
    { id: 'thermal-anomaly', kind: 'score', signal: 'thermal', title: 'thermal anomaly', severity: 'CRITICAL', raiseAbove: 0.85, clearBelow: 0.7 },
    // A device's telemetry window model (services/telemetry-scoring): threshold 0.5 by calibration,
    // three windows in a row above it (the model's run rule), critical once it lasted 10 minutes.
    { id: 'telemetry-anomaly', kind: 'score', signal: 'telemetry', title: 'telemetry anomaly', severity: 'WARNING', raiseAbove: 0.5, clearBelow: 0.45, k: 3, m: 3, sustained: { forMs: 600_000, severity: 'CRITICAL' } },
    // The vibration model (services/telemetry-scoring): 0.5 = unbalance at its calibrated threshold or
    // the fault classes winning; 3 of the last 5 windows raise (one odd window does not), one below
    // 0.45 clears. A fleet model calibrated on the fan it classifies, so it may raise WARNING.
    { id: 'vibration-fault', kind: 'score', signal: 'vibration', title: 'vibration fault', severity: 'WARNING', raiseAbove: 0.5, clearBelow: 0.45, k: 3, m: 5, fleetSeverity: 'WARNING' },
    { id: 'correlated-anomaly', kind: 'correlated', title: 'correlated anomaly', severity: 'WARNING', thresholds: { acoustic: 0.6, thermal: 0.6 }, windowMs: 30_000 },
    { id: 'gas-leak', kind: 'reading', key: 'gas_ppm', title: 'gas above threshold', severity: 'WARNING', raiseAbove: 50, clearBelow: 25, k: 2, m: 3 },
    { id: 'predicted-failure', kind: 'forecast', title: 'predicted failure', severity: 'WARNING', riskLevel: 'high', quietPeriodMs: 3_600_000 },
    // Retraining's model watch: information for whoever looks after the models, never an emergency.
    { id: 'model-drift', kind: 'model', event: 'drift', title: 'model drift', severity: 'INFO', quietPeriodMs: 300_000 },
    { id: 'model-rollback', kind: 'model', event: 'rollback', title: 'model rolled back automatically', severity: 'INFO', quietPeriodMs: 3_600_000 },
    { id: 'device-offline', kind: 'offline', title: 'device offline', severity: 'WARNING', silenceMs: 120_000, quietPeriodMs: 0 },
  ].map((r) => ruleSchema.parse(r)),
);
