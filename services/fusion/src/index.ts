export { Fusion, RuleConfigError, DEFAULT_DEDUP_RETENTION_MS, type FusionSettings, type FusionDependencies, type ReloadResult } from './fusion.js';
export { FusionEngine } from './fusion-engine.js';
export { FusionService, type FusionServiceOptions } from './fusion-service.js';
export { compileRules, defaultRuleSet, RuleSet, type CompileResult, type RuleRow } from './rule-set.js';
export {
  DEFAULT_RULES,
  ruleSchema,
  ruleFileSchema,
  type Rule,
  type RuleFile,
  type RuleOverride,
  type RulePatch,
} from './rule-schema.js';
export { RuleFileError, readRuleFile, readRuleRows } from './rule-sources.js';
export { planTrigger, planTransition, type AlertStatus, type AlertSnapshot, type TransitionPlan, type TriggerPlan } from './alert-lifecycle.js';
export type { AlertStore, OutboxEntry, RaiseOutcome, TransitionOutcome, UnresolvedAlert } from './alert-store.js';
export { sourceEventKey } from './source-event.js';
export { KyselyAlertStore } from './kysely-alert-store.js';
export type { Signal, Decision, RaiseDecision, ResolveDecision, AlertSource } from './signals.js';
export { eventConsumers, type ConsumerSettings } from './event-consumers.js';
export { createAlertsApi } from './api/alerts-api.js';
export { createFeedbackApi, feedbackBody, type FeedbackApiDependencies } from './api/feedback-api.js';
export { FeedbackStore, type FeedbackInput } from './feedback-store.js';
export { fusionConfigShape, type FusionConfig } from './fusion-config.js';
export { settingsFromConfig } from './settings-from-config.js';
export { fusionModule } from './module.js';
export { AlertStatePublisher, type AlertStatePublisherSettings, type AlertStatePublisherDependencies } from './alert-state-publisher.js';
export type { AlertView } from './api/alert-queries.js';
export type { AlertStreamEvent } from './api/alert-event-stream.js';
