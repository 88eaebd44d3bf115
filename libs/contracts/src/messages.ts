import { z } from 'zod';
import { ID_PATTERN } from './ids.js';
import { safeText } from './safe-text.js';
import { ANNOUNCED_MODEL_KINDS, FRAME_KINDS, MODEL_KINDS } from './topics.js';

/**
 * Sensor keys: what an analyst sees in `readings.key`. Real devices name sensors the way
 * their vendor does (`Volume Flow RateRMS`, `Temperature (°C)`, `motor.current`), so a key is
 * 1–64 printable characters — letters, digits, punctuation, symbols and marks of any script,
 * plain spaces inside — and nothing else: no control characters (tab and line feed included),
 * no invisible format characters, no lone surrogates, no leading or trailing space.
 */
export const READING_KEY_PATTERN = /^(?! )[\p{L}\p{N}\p{P}\p{S}\p{M} ]{1,64}(?<! )$/u;
/** What {@link READING_KEY_PATTERN} allows, for error messages. */
export const READING_KEY_RULE = 'must be 1–64 printable characters (letters, digits, punctuation, symbols, inner spaces; no control characters)';
export const MAX_READINGS_PER_MESSAGE = 256;
export const SEVERITIES = ['CRITICAL', 'WARNING', 'INFO'] as const;
export type Severity = (typeof SEVERITIES)[number];

const id = z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}');
/** Device timestamps are milliseconds since the Unix epoch. */
const epochMs = z.number().int('must be an integer (ms since epoch)').nonnegative();
const seq = z.number().int().nonnegative().max(0xffff_ffff);
const readings = z
  .record(z.string().regex(READING_KEY_PATTERN, `reading keys ${READING_KEY_RULE}`), z.number())
  .refine((r) => Object.keys(r).length >= 1, 'must hold at least one reading')
  .refine((r) => Object.keys(r).length <= MAX_READINGS_PER_MESSAGE, `must hold at most ${MAX_READINGS_PER_MESSAGE} readings`);

// ---- MQTT payloads (device → core) ----

/** `premonitor/v1/{site}/{device}/telemetry`: scalar readings taken at one instant. */
export const telemetryMessage = z.strictObject({ ts: epochMs, seq, readings });
export type TelemetryMessage = z.infer<typeof telemetryMessage>;

const sourceStatus = z.strictObject({
  state: z.enum(['ok', 'failing', 'stopped']),
  lastError: safeText(500).optional(),
});

/** `premonitor/v1/{site}/{device}/status`: retained; also the device's last will ("offline"). */
export const statusMessage = z.strictObject({
  state: z.enum(['online', 'offline']),
  ts: epochMs.optional(),
  agentVersion: safeText(64).optional(),
  models: z.record(safeText(32), safeText(64)).optional(),
  queueDepth: z.number().int().nonnegative().optional(),
  dropped: z.number().int().nonnegative().optional(),
  sources: z.record(safeText(64), sourceStatus).optional(),
  /** Last refused model update per kind (size, sha256, contract); the previous model keeps running. */
  modelErrors: z.record(safeText(32), safeText(500)).optional(),
  /** Models the core withdrew per kind (a device's telemetry model reset on the core), with why; the agent no longer runs them. */
  modelsWithdrawn: z.record(safeText(32), safeText(500)).optional(),
});
export type StatusMessage = z.infer<typeof statusMessage>;

/** `premonitor/v1/{site}/{device}/edge-alert`: an alert the edge raised while the core was away. */
export const edgeAlertMessage = z.strictObject({
  ts: epochMs,
  seq,
  rule: safeText(64, 1),
  severity: z.enum(SEVERITIES),
  score: z.number().min(0).max(1).optional(),
  kind: z.enum(FRAME_KINDS).optional(),
  message: safeText(1000).optional(),
});
export type EdgeAlertMessage = z.infer<typeof edgeAlertMessage>;

// ---- MQTT payloads (core → device) ----

/** Most alerts listed in one {@link deviceAlertState}: it stays under the broker's 16 KiB retained-payload limit. */
export const DEVICE_ALERT_STATE_LIMIT = 10;

/** One open (or acknowledged) alert in a {@link deviceAlertState}. */
export const deviceAlertEntry = z.strictObject({
  id: safeText(64, 1),
  rule: safeText(64, 1),
  severity: z.enum(SEVERITIES),
  status: z.enum(['open', 'acknowledged']),
  /** When the alert opened, ms since epoch. */
  openedAt: epochMs,
  message: safeText(1000),
});

/**
 * `premonitor/v1/{site}/{device}/alert`, retained: the device's current alert state, the
 * whole set of its unresolved alerts (empty when all are resolved), so a subscriber that
 * connects later reads the present, not a past transition. `ts` orders states.
 */
export const deviceAlertState = z.strictObject({
  site: id,
  device: id,
  ts: epochMs,
  /** How many alerts are unresolved; `alerts` lists at most the first {@link DEVICE_ALERT_STATE_LIMIT}, most severe first. */
  total: z.number().int().nonnegative(),
  alerts: z.array(deviceAlertEntry).max(DEVICE_ALERT_STATE_LIMIT),
});
export type DeviceAlertState = z.infer<typeof deviceAlertState>;

/**
 * `premonitor/v1/{site}/{device}/model/{kind}`: retained announcement of the production model
 * (kind `telemetry`: the device's own telemetry model), signed by the core (Ed25519 over `announcementSigningBytes`, `@premonitor/contracts/signing`):
 * `issuedAt` orders announcements (an agent refuses one older than the last it accepted),
 * `keyId` names the key, `signature` is base64url. The signature fields are optional in the
 * schema only so that an agent can say "unsigned" rather than "invalid" when refusing one.
 */
export const modelAnnouncement = z.strictObject({
  kind: z.enum(ANNOUNCED_MODEL_KINDS),
  version: safeText(64, 1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  url: safeText(2048).pipe(z.url()),
  issuedAt: epochMs.optional(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits').optional(),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url Ed25519 signature').optional(),
});
export type ModelAnnouncement = z.infer<typeof modelAnnouncement>;

/**
 * Core → device, retained on `…/model/telemetry` in place of an announcement: the device has no
 * telemetry model on the core any more (an engineer reset it and it enrolls again, or its current
 * model has no ONNX form), so the agent must stop scoring with the one it holds. Signed like an
 * announcement, in a domain of its own (`signModelWithdrawal`, `@premonitor/contracts/signing`);
 * `issuedAt` is ordered against the announcements of the same kind, so neither a replayed
 * withdrawal nor a replayed older announcement undoes what came after it.
 */
export const modelWithdrawal = z.strictObject({
  kind: z.literal('telemetry'),
  withdrawn: z.literal(true),
  /** Why, for the agent's log and status (e.g. `reset on the core`). */
  reason: safeText(200, 1),
  issuedAt: epochMs,
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url Ed25519 signature'),
});
export type ModelWithdrawal = z.infer<typeof modelWithdrawal>;

/**
 * Core → device, retained on `…/command/baseline/{kind}`: an engineer marked the machine
 * faulty (it must not enroll) or reset / restarted its enrollment, on the core's API. The edge
 * agent applies it to its own enrollment only when signed for it by a trusted core key and newer
 * than the last one it applied (`@premonitor/contracts/signing`).
 */
export const baselineCommand = z.strictObject({
  kind: z.enum(FRAME_KINDS),
  action: z.enum(['faulty', 'reset']),
  issuedAt: epochMs,
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a base64url Ed25519 signature'),
});
export type BaselineCommand = z.infer<typeof baselineCommand>;

// ---- Core bus payloads ----

/** `pm.telemetry.{site}.{device}` */
export const telemetryEvent = z.strictObject({ site: id, device: id, ts: epochMs, seq, readings, receivedAt: epochMs });
export type TelemetryEvent = z.infer<typeof telemetryEvent>;

/** `pm.status.{site}.{device}` */
export const deviceStatusEvent = z.strictObject({
  site: id,
  device: id,
  state: z.enum(['online', 'offline']),
  ts: epochMs,
});
export type DeviceStatusEvent = z.infer<typeof deviceStatusEvent>;

/** `pm.edge-alerts.{site}.{device}` */
export const edgeAlertEvent = edgeAlertMessage.extend({ site: id, device: id });
export type EdgeAlertEvent = z.infer<typeof edgeAlertEvent>;

/** `pm.scores.{kind}.{site}.{device}` */
export const scoreEvent = z.strictObject({
  site: id,
  device: id,
  kind: z.enum(FRAME_KINDS),
  ts: epochMs,
  seq,
  score: z.number().min(0).max(1),
  modelVersion: safeText(64, 1),
  latencyMs: z.number().nonnegative(),
  /**
   * What the frame was compared with: its device's own healthy baseline, or the fleet of
   * healthy machines the model was trained on (before the device is enrolled, or for a model
   * without baselines). Absent on events from before baselines existed.
   */
  reference: z.enum(['device', 'fleet']).optional(),
  /**
   * Two statistics of the frame's input for drift monitoring (inference's `inputSummary`):
   * thermal mean °C and hottest − mean; acoustic RMS dBFS and crest factor dB. Absent for image
   * frames and on events from before it existed. `bands`: an acoustic clip's share of energy in
   * each octave band (`@premonitor/ml/scoring` `bandEnergyShares`), compared with the spectrum
   * the model was trained on.
   */
  input: z.strictObject({ level: z.number().finite(), spread: z.number().finite(), bands: z.array(z.number().min(0).max(1)).max(16).optional() }).optional(),
});
export type ScoreEvent = z.infer<typeof scoreEvent>;

/** What a score is about: a frame kind, `telemetry` (a window over a device's scalar sensors) or `vibration` (a vibration window). */
export const SCORE_KINDS = [...FRAME_KINDS, 'telemetry', 'vibration'] as const;
export type ScoreKind = (typeof SCORE_KINDS)[number];

/** What every window score says: the device, the window (`ts`, `seq`), the calibrated score and its alarm threshold. */
const windowScoreFields = {
  site: id,
  device: id,
  ts: epochMs,
  seq,
  score: z.number().min(0).max(1),
  threshold: z.number().gt(0).lt(1),
};

/**
 * `pm.scores.telemetry.{site}.{device}`: one window of a device's scalar sensors scored by its
 * own model (fitted on its healthy history). `score` is calibrated so that `threshold` (0.5)
 * is the model's alarm threshold: `score = r / (1 + r)` where `r` is the window error divided
 * by the error threshold. `ts` is the end of the window (the device's time of its last step),
 * `seq` the sequence number of the telemetry message that closed it.
 */
export const telemetryScoreEvent = z.strictObject({
  ...windowScoreFields,
  kind: z.literal('telemetry'),
  /** The window error ÷ the error threshold (1 = at the threshold); finite, ≥ 0. */
  ratio: z.number().nonnegative(),
  /** The sensors the model reads, in its input order. */
  sensors: z.array(z.string().regex(READING_KEY_PATTERN, READING_KEY_RULE)).min(1).max(MAX_READINGS_PER_MESSAGE),
  modelVersion: safeText(64, 1),
  latencyMs: z.number().nonnegative(),
  reference: z.literal('device'),
});
export type TelemetryScoreEvent = z.infer<typeof telemetryScoreEvent>;

/**
 * `pm.scores.vibration.{site}.{device}`: one vibration window scored by the vibration model.
 * `score` is what fusion's rule reads, calibrated so that 0.5 is the alarm threshold: the larger
 * of the unbalance score `u/(1+u)` (`u` = `unbalanceRatio`, the distance to the nearest healthy
 * condition ÷ its calibrated threshold) and `faultProbability` (the classes named as faults
 * together: above 0.5 they win over the healthy ones). `ts` and `seq` are the window's.
 */
export const vibrationScoreEvent = z.strictObject({
  ...windowScoreFields,
  kind: z.literal('vibration'),
  /** Unbalance distance ÷ its calibrated threshold (≥ 1: unbalanced); finite, ≥ 0. */
  unbalanceRatio: z.number().nonnegative(),
  /** Summed probability of the fault classes. */
  faultProbability: z.number().min(0).max(1),
  /** The most probable class, and every class's probability. */
  predicted: safeText(64, 1),
  probabilities: z.record(safeText(64, 1), z.number().min(0).max(1)),
  modelVersion: safeText(64, 1),
  latencyMs: z.number().nonnegative(),
  /** The model was trained on a fleet of machines (the same for every device), not on this device. */
  reference: z.literal('fleet'),
});
export type VibrationScoreEvent = z.infer<typeof vibrationScoreEvent>;

/** `pm.forecasts.{site}.{device}` */
export const forecastEvent = z.strictObject({
  site: id,
  device: id,
  sensorKey: z.string().regex(READING_KEY_PATTERN),
  ts: epochMs,
  riskScore: z.number().min(0).max(100),
  riskLevel: z.enum(['low', 'medium', 'high']),
  previousRiskLevel: z.enum(['low', 'medium', 'high']).optional(),
  timeToFailureHours: z.number().nonnegative().nullable(),
  recommendedAction: safeText(500),
});
export type ForecastEvent = z.infer<typeof forecastEvent>;

/** `pm.alerts.{severity}.{site}.{device}`: one alert lifecycle transition. */
export const alertEvent = z.strictObject({
  alertId: safeText(64, 1),
  site: id,
  device: id,
  rule: safeText(64, 1),
  severity: z.enum(SEVERITIES),
  from: z.enum(['none', 'open', 'acknowledged', 'resolved']),
  to: z.enum(['open', 'acknowledged', 'resolved']),
  ts: epochMs,
  count: z.number().int().positive(),
  peakScore: z.number().nullable(),
  message: safeText(1000),
  /** Receivers drop a second delivery of the same transition by this key. */
  idempotencyKey: safeText(128, 1),
  /** Who raised the alert first: the core's rules or the edge node on its own. */
  source: z.enum(['core', 'edge']).optional(),
  /** Set on an escalation: the severity before it. */
  previousSeverity: z.enum(SEVERITIES).optional(),
  /** `system`, `edge`, or the user behind an acknowledge or resolve. */
  actor: safeText(128, 1).optional(),
  /** The note given with the transition (an operator's comment, or why the system acted). */
  note: safeText(1000).optional(),
});
export type AlertEvent = z.infer<typeof alertEvent>;

/** What an engineer says an alert was: a real fault, or a false alarm. */
export const FEEDBACK_VERDICTS = ['true_fault', 'false_alarm'] as const;
export type FeedbackVerdict = (typeof FEEDBACK_VERDICTS)[number];

/**
 * `pm.feedback.{site}.{device}`: the current verdict on an alert (a later one replaces it). The
 * window `from`–`to` is the alert's first and last raise, so retraining can find the frames behind it.
 */
export const alertFeedbackEvent = z.strictObject({
  alertId: safeText(64, 1),
  site: id,
  device: id,
  rule: safeText(64, 1),
  verdict: z.enum(FEEDBACK_VERDICTS),
  note: safeText(1000).nullable(),
  /** The user whose credential gave the verdict. */
  actor: safeText(128, 1),
  /** When the verdict was given. */
  ts: epochMs,
  /** The alert's first raise. */
  from: epochMs,
  /** The alert's last raise. */
  to: epochMs,
  /** Receivers drop a second delivery of the same verdict by this key. */
  idempotencyKey: safeText(128, 1),
});
export type AlertFeedbackEvent = z.infer<typeof alertFeedbackEvent>;

/** Longest maintenance report text, in characters (as the triage records). */
export const MAX_REPORT_TEXT = 2000;
const reportText = safeText(MAX_REPORT_TEXT).refine((v) => v.trim() !== '', 'must not be empty');
const equipmentText = safeText(200).optional();
/** An alert's id as the API shows it (the `alerts.id` bigint, in decimal). */
const alertRowId = z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be an alert id (a positive whole number)');

/**
 * What an engineer writes in a maintenance report (`POST /alerts/{id}/report`, `POST /reports`):
 * the same limits as a triage training record, so every stored report can become one.
 */
export const maintenanceReportFields = z.strictObject({
  description: reportText,
  equipment_name: equipmentText,
  equipment_id: equipmentText,
});
export type MaintenanceReportFields = z.infer<typeof maintenanceReportFields>;

/**
 * `pm.reports.submitted.{site}.{device}`: a report written on an alert (fusion → retraining,
 * which stores and scores it). `submissionId` is unique per report: a redelivery stores nothing new.
 */
export const reportSubmittedEvent = z.strictObject({
  submissionId: z.string().uuid(),
  site: id,
  device: id,
  alertId: alertRowId,
  description: reportText,
  equipmentName: equipmentText,
  equipmentId: equipmentText,
  /** The user whose credential wrote it. */
  author: safeText(128, 1),
  ts: epochMs,
});
export type ReportSubmittedEvent = z.infer<typeof reportSubmittedEvent>;

const triageScore = z.strictObject({ score: z.number().int().min(1).max(5), confidence: z.number().min(0).max(1) });

/**
 * `pm.reports.scored.{site}.{device}`: a stored report scored by the production triage model
 * (retraining → fusion's `maintenance-report` rule). `reportId` is the `maintenance_reports` id.
 */
export const reportScoredEvent = z.strictObject({
  reportId: safeText(64, 1),
  site: id,
  device: id,
  /** The alert the report is about; null for a report on the device alone. */
  alertId: alertRowId.nullable(),
  scores: z.strictObject({ availability: triageScore, fiability: triageScore, process_safety: triageScore }),
  modelVersion: safeText(128, 1),
  ts: epochMs,
});
export type ReportScoredEvent = z.infer<typeof reportScoredEvent>;

/** `pm.models.{kind}.promoted`: the production model of a kind changed. */
export const modelPromotedEvent = z.strictObject({
  kind: z.enum(MODEL_KINDS),
  version: safeText(64, 1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  previousVersion: safeText(64).nullable(),
  ts: epochMs,
});
export type ModelPromotedEvent = z.infer<typeof modelPromotedEvent>;

/**
 * `pm.baselines.{kind}.{site}.{device}`: a device's baseline for a model became ready, was
 * reset, its enrollment was restarted by an engineer (`enrolling`), or an engineer marked the
 * machine faulty (`faulty`; model-sync forwards the last three to the edge agent). Only a trigger: the `device_baselines` table is the truth, so every inference replica
 * reloads that device from it.
 */
export const baselineEvent = z.strictObject({
  site: id,
  device: id,
  kind: z.enum(FRAME_KINDS),
  modelVersion: safeText(64, 1),
  state: z.enum(['ready', 'reset', 'enrolling', 'faulty']),
  ts: epochMs,
});
export type BaselineEvent = z.infer<typeof baselineEvent>;

/**
 * `pm.telemetry-models.{site}.{device}` (telemetry-scoring → model-sync): a device's own
 * telemetry model was fitted and stored (`fitted`, with its version) or deleted by an engineer's
 * reset (`reset`). Only a trigger: `telemetry_models` is the truth, model-sync reads it and
 * announces (or withdraws) at once instead of on its next periodic refresh.
 */
export const telemetryModelEvent = z.strictObject({
  site: id,
  device: id,
  state: z.enum(['fitted', 'reset']),
  modelVersion: safeText(64, 1).nullable(),
  ts: epochMs,
});
export type TelemetryModelEvent = z.infer<typeof telemetryModelEvent>;

/**
 * `pm.model-health.{kind}.{site}.{device}` (retraining → fusion, the retraining trigger): what
 * the watch over a production model saw on one device's live scores.
 * - `drift`: the device's window of scores moved away from the model's reference distribution
 *   (`state: drifting`, PSI or JS distance at or above its threshold) or came back (`ok`).
 * - `rollback`: a model's rollout watch rolled it back by itself; `device` is the device whose
 *   behaviour changed most, `reason` says why.
 */
export const modelHealthEvent = z.discriminatedUnion('event', [
  z.strictObject({
    event: z.literal('drift'),
    site: id,
    device: id,
    kind: z.enum(FRAME_KINDS),
    modelVersion: safeText(64, 1),
    state: z.enum(['drifting', 'ok']),
    /** Population stability index of the window against the reference. */
    psi: z.number().nonnegative(),
    /** Jensen–Shannon distance (base 2, 0…1) of the window against the reference. */
    jsDistance: z.number().min(0).max(1),
    /** Scores in the window. */
    window: z.number().int().positive(),
    psiThreshold: z.number().positive(),
    jsThreshold: z.number().positive(),
    /** PSI of each input statistic's window (`level`, `spread`; `spectrum`: the window's mean band shares against the training spectrum) against the model's input reference, when judged. */
    inputPsi: z.partialRecord(z.enum(['level', 'spread', 'spectrum']), z.number().nonnegative()).optional(),
    ts: epochMs,
  }),
  z.strictObject({
    event: z.literal('rollback'),
    site: id,
    device: id,
    kind: z.enum(FRAME_KINDS),
    /** The model that was rolled back. */
    modelVersion: safeText(64, 1),
    /** The model production returned to. */
    restoredVersion: safeText(64, 1),
    reason: safeText(1000, 1),
    /** Frames of the rolled-back model seen during its watch. */
    frames: z.number().int().positive(),
    ts: epochMs,
  }),
]);
export type ModelHealthEvent = z.infer<typeof modelHealthEvent>;

/** `pm.training.{kind}`: progress and outcome of a training run. */
export const trainingEvent = z.strictObject({
  runId: safeText(64, 1),
  kind: z.enum(MODEL_KINDS),
  state: z.enum(['started', 'progress', 'succeeded', 'failed']),
  ts: epochMs,
  progress: z.number().min(0).max(1).optional(),
  message: safeText(1000).optional(),
});
export type TrainingEvent = z.infer<typeof trainingEvent>;
