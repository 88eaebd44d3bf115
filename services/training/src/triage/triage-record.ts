import { z } from 'zod';
import { unsafeTextReason } from '@premonitor/contracts';

/** Most records one training call may carry. */
export const MAX_RECORDS_PER_CALL = 1000;
/** Longest description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 2000;
/** Longest anomaly id, equipment name or equipment id, in characters. */
export const MAX_NAME_LENGTH = 200;

/** One expert-scored maintenance report, as the triage API takes it for training. */
export interface TriageRecord {
  readonly anomaly_id: string;
  readonly description: string;
  readonly equipment_name?: string;
  readonly equipment_id?: string;
  readonly availability_score: number;
  readonly fiability_score: number;
  readonly process_safety_score: number;
}

/** The three score fields of a record, in the order of the model's targets. */
export const SCORE_FIELDS = ['availability_score', 'fiability_score', 'process_safety_score'] as const;

/** One rejected record: its position (counting from 1) and the reasons, each a full sentence. */
export interface RecordError {
  readonly index: number;
  readonly messages: readonly string[];
}

/** Outcome of validating a training call: every record valid, or the reasons none is taken. */
export type TrainingRecordsResult =
  | { readonly ok: true; readonly records: readonly TriageRecord[] }
  | { readonly ok: false; readonly error: string; readonly records: readonly RecordError[] };

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function text(maxLength: number, required: boolean) {
  const base = z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a string, got ${typeName(iss.input)}`) })
    .max(maxLength, { error: (iss) => `must be at most ${maxLength} characters, got ${String((iss.input as string).length)}` })
    .superRefine((value, ctx) => {
      if (required && value.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      const reason = unsafeTextReason(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `must be plain text: ${reason}` });
    });
  return base;
}

function score() {
  const range = (iss: { input?: unknown }): string => `must be between 1 and 5, got ${String(iss.input)}`;
  return z
    .number({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a number, got ${typeName(iss.input)}`) })
    .int({ error: (iss) => `must be an integer, got ${String(iss.input)}` })
    .min(1, { error: range })
    .max(5, { error: range });
}

const optionalName = text(MAX_NAME_LENGTH, false).nullish().transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v));

/** One training record; unknown fields are dropped, an id may be a string or a whole number. */
export const triageRecordSchema = z.object(
  {
    anomaly_id: z.union([text(MAX_NAME_LENGTH, true), z.number().int().nonnegative().transform(String)], {
      error: (iss) => (iss.input === undefined ? 'is required' : `must be a non-empty string or a whole number, got ${typeName(iss.input)}`),
    }),
    description: text(MAX_DESCRIPTION_LENGTH, true),
    equipment_name: optionalName,
    equipment_id: optionalName,
    availability_score: score(),
    fiability_score: score(),
    process_safety_score: score(),
  },
  { error: (iss) => `must be an object, got ${typeName(iss.input)}` },
);

/** A report to score: the description and, when known, the equipment. */
export const triageReportSchema = z.object(
  { description: text(MAX_DESCRIPTION_LENGTH, true), equipment_name: optionalName, equipment_id: optionalName },
  { error: (iss) => `must be an object, got ${typeName(iss.input)}` },
);

/** A report to score, validated. */
export type TriageReport = z.infer<typeof triageReportSchema>;

/**
 * Validates the records of one training call — `{ "records": [...] }` or a bare array — all
 * or nothing: at most {@link MAX_RECORDS_PER_CALL}, each record valid, an `anomaly_id` given
 * twice only with the same scores (then kept once). Messages read
 * "Record 1: availability_score must be between 1 and 5, got 6" (records count from 1).
 */
export function validateTrainingRecords(body: unknown): TrainingRecordsResult {
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null && 'records' in body ? (body as { records: unknown }).records : undefined;
  if (!Array.isArray(list)) return { ok: false, error: 'the body must be {"records": [...]} or an array of records', records: [] };
  if (list.length === 0) return { ok: false, error: 'no records: send between 1 and 1000', records: [] };
  if (list.length > MAX_RECORDS_PER_CALL) return { ok: false, error: `at most ${MAX_RECORDS_PER_CALL} records per call, got ${list.length}`, records: [] };
  const errors: RecordError[] = [];
  const records: TriageRecord[] = [];
  const firstIndex = new Map<string, { index: number; record: TriageRecord }>();
  list.forEach((raw, i) => {
    const index = i + 1;
    const parsed = triageRecordSchema.safeParse(raw);
    if (!parsed.success) {
      errors.push({ index, messages: parsed.error.issues.map((issue) => `Record ${index}: ${issue.path.length > 0 ? `${issue.path.join('.')} ` : ''}${issue.message}`) });
      return;
    }
    const record = withoutUndefined(parsed.data);
    const earlier = firstIndex.get(record.anomaly_id);
    if (earlier) {
      if (SCORE_FIELDS.some((f) => earlier.record[f] !== record[f])) {
        errors.push({ index, messages: [`Record ${index}: anomaly_id '${record.anomaly_id}' repeats record ${earlier.index} with different scores`] });
      }
      return;
    }
    firstIndex.set(record.anomaly_id, { index, record });
    records.push(record);
  });
  if (errors.length > 0) return { ok: false, error: `${errors.length} of ${list.length} records are invalid; none was taken`, records: errors };
  return { ok: true, records };
}

/** JSON from request bytes, refusing bytes that are not UTF-8 (rather than decoding them to U+FFFD). */
function decodeJsonBody(bytes: Uint8Array): { ok: true; json: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, json: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch (cause) {
    return { ok: false, error: cause instanceof TypeError ? 'the body is not valid UTF-8' : `the body is not JSON: ${(cause as Error).message}` };
  }
}

/**
 * {@link validateTrainingRecords} on a raw request body: refuses bytes that are not UTF-8
 * (rather than decoding them to U+FFFD) and text that is not JSON.
 */
export function parseTrainingBody(bytes: Uint8Array): TrainingRecordsResult {
  const decoded = decodeJsonBody(bytes);
  return decoded.ok ? validateTrainingRecords(decoded.json) : { ok: false, error: decoded.error, records: [] };
}

/** Outcome of validating reports to score: every report valid, or the reasons by report. */
export type ReportsResult =
  | { readonly ok: true; readonly reports: readonly TriageReport[] }
  | { readonly ok: false; readonly error: string; readonly reports: readonly RecordError[] };

/**
 * Reports to score from a raw request body — one report object, `{ "reports": [...] }` or a
 * bare array, at most {@link MAX_RECORDS_PER_CALL} — all valid or none scored. Messages read
 * "Report 2: description must not be empty" (reports count from 1).
 */
export function parseReportsBody(bytes: Uint8Array): ReportsResult {
  const decoded = decodeJsonBody(bytes);
  if (!decoded.ok) return { ok: false, error: decoded.error, reports: [] };
  const body = decoded.json;
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null && 'reports' in body ? (body as { reports: unknown }).reports : [body];
  if (!Array.isArray(list)) return { ok: false, error: 'the body must be a report, {"reports": [...]} or an array of reports', reports: [] };
  if (list.length === 0) return { ok: false, error: `no reports: send between 1 and ${MAX_RECORDS_PER_CALL}`, reports: [] };
  if (list.length > MAX_RECORDS_PER_CALL) return { ok: false, error: `at most ${MAX_RECORDS_PER_CALL} reports per call, got ${list.length}`, reports: [] };
  const errors: RecordError[] = [];
  const reports: TriageReport[] = [];
  list.forEach((raw, i) => {
    const parsed = triageReportSchema.safeParse(raw);
    if (parsed.success) reports.push(parsed.data);
    else errors.push({ index: i + 1, messages: parsed.error.issues.map((issue) => `Report ${i + 1}: ${issue.path.length > 0 ? `${issue.path.join('.')} ` : ''}${issue.message}`) });
  });
  if (errors.length > 0) return { ok: false, error: `${errors.length} of ${list.length} reports are invalid; none was scored`, reports: errors };
  return { ok: true, reports };
}

/** The model input of a record or report: its description, and equipment name and id as one string. */
export function triageInput(report: Pick<TriageRecord, 'description' | 'equipment_name' | 'equipment_id'>): { description: string; equipment: string } {
  return { description: report.description, equipment: [report.equipment_name, report.equipment_id].filter((v) => v !== undefined).join(' ') };
}

function withoutUndefined(record: z.infer<typeof triageRecordSchema>): TriageRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as unknown as TriageRecord;
}
