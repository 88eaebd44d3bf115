// `@premonitor/training/triage`: the maintenance-report triage model — record validation, the
// incremental record set, training to ONNX, prediction, and the evaluation on real work
// orders — without loading the tfjs training stack.
export { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_RECORDS_PER_CALL, SCORE_FIELDS, parseReportsBody, parseTrainingBody, triageInput, triageRecordSchema, triageReportSchema, validateTrainingRecords } from './triage-record.js';
export type { RecordError, ReportsResult, TrainingRecordsResult, TriageRecord, TriageReport } from './triage-record.js';
export { TriageRecordSet } from './triage-record-set.js';
export type { MergeCounts } from './triage-record-set.js';
export { TRIAGE_TARGETS, targetsProblem } from './triage-targets.js';
export { trainTriageModel } from './train-triage.js';
export type { TrainTriageOptions, TrainedTriageModel, TriageTrainingReport } from './train-triage.js';
export { TextModelError, TextModelPredictor } from './text-model-predictor.js';
export type { TargetScore, TextPrediction } from './text-model-predictor.js';
export { TextModelSpecError, fitTextModel } from './fit-text-model.js';
export type { FitTextModelOptions, FittedTextModel } from './fit-text-model.js';
export { DEFAULT_HASHED_TRAINING, trainHashedTextModel } from './hashed-text-trainer.js';
export type { HashedTrainingOptions, HashedTrainingResult, TrainingExamples } from './hashed-text-trainer.js';
export type { HashedTextModel, HeadLink } from './hashed-text-model.js';
export { DEFAULT_KEYWORD_BASELINE, KeywordBaseline, majorityClass } from './keyword-baseline.js';
export type { KeywordBaselineOptions } from './keyword-baseline.js';
export { loadMaintieTexts, maintieGoldFile } from './maintie-texts.js';
export { WorkOrderFileError, excavatorWorkOrdersFile, loadExcavatorWorkOrders, parseExcavatorWorkOrders } from './work-orders.js';
export type { WorkOrder } from './work-orders.js';
export { WORK_ORDER_TARGETS, fitBandEdges, workOrderLabels } from './work-order-targets.js';
export type { BandEdges } from './work-order-targets.js';
export { evaluateWorkOrders } from './work-order-evaluation.js';
export type { FoldResult, TargetResult, WorkOrderEvaluation, WorkOrderEvaluationOptions } from './work-order-evaluation.js';
export { formatWorkOrderEvaluation, workOrderTargetsJson } from './work-order-report.js';
export type { TriageBenchTarget } from './work-order-report.js';
export { classMetrics } from '../evaluation/class-metrics.js';
export type { ClassMetrics } from '../evaluation/class-metrics.js';
