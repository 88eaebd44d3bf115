import { SCORE_FIELDS } from './triage-record.js';
import type { TriageRecord } from './triage-record.js';

/** What merging a call's records did. */
export interface MergeCounts {
  /** Anomaly ids not seen before. */
  readonly added: number;
  /** Known ids whose scores, description or equipment changed (an engineer's correction). */
  readonly updated: number;
  /** Known ids sent again unchanged. */
  readonly unchanged: number;
  /** Records in the set afterwards. */
  readonly total: number;
}

/**
 * The training records of a triage model, one per anomaly id, in the order ids first
 * arrived (so training on the same set is the same run). Immutable: {@link merge} returns a
 * new set, so a failed training leaves the old one untouched and nothing is half-applied.
 */
export class TriageRecordSet {
  readonly #byId: ReadonlyMap<string, TriageRecord>;

  constructor(records: Iterable<TriageRecord> = []) {
    const byId = new Map<string, TriageRecord>();
    for (const r of records) byId.set(r.anomaly_id, r);
    this.#byId = byId;
  }

  /** Adds new ids and replaces known ones (a later score corrects an earlier one). */
  merge(records: readonly TriageRecord[]): { set: TriageRecordSet; counts: MergeCounts } {
    const byId = new Map(this.#byId);
    let added = 0;
    let updated = 0;
    let unchanged = 0;
    for (const r of records) {
      const before = byId.get(r.anomaly_id);
      if (!before) added++;
      else if (sameRecord(before, r)) unchanged++;
      else updated++;
      byId.set(r.anomaly_id, r);
    }
    return { set: new TriageRecordSet(byId.values()), counts: { added, updated, unchanged, total: byId.size } };
  }

  get records(): readonly TriageRecord[] {
    return [...this.#byId.values()];
  }

  get size(): number {
    return this.#byId.size;
  }
}

function sameRecord(a: TriageRecord, b: TriageRecord): boolean {
  return a.description === b.description && a.equipment_name === b.equipment_name && a.equipment_id === b.equipment_id && SCORE_FIELDS.every((f) => a[f] === b[f]);
}
