import type { Cleanup } from '@premonitor/testkit';
import type { SeededRandom } from '@premonitor/ml/data';

/** One line of the results table: what happened to one flow of messages in one case. */
export interface FlowRow {
  /** e.g. "telemetry", "frames → scores", "alerts → webhook". */
  readonly flow: string;
  /** What the senders handed over (for MQTT: PUBACKed by the broker). */
  readonly sent: number;
  /** What arrived where it belongs (distinct). */
  readonly stored: number;
  /** Sent and neither stored nor dead-lettered. */
  readonly lost: number;
  /** Stored (or delivered) more than once. */
  readonly duplicates: number;
  /** Refused with a recorded reason. */
  readonly deadLettered: number;
}

/** One assertion of a case, kept rather than thrown so every failure of a run is reported. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What a case reports. */
export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly seed: number;
  readonly rows: readonly FlowRow[];
  readonly checks: readonly Check[];
  /** Measurements worth reading beside the counts (latencies, refusals, timings). */
  readonly notes: readonly string[];
  /** Set when the case could not run to its end (harness failure, time budget). */
  readonly error?: string;
}

/** What a case gets from the runner. */
export interface CaseContext {
  readonly seed: number;
  /** Seeded from `seed` and the case name: the same seed replays the same case. */
  readonly random: SeededRandom;
  /** A PostgreSQL cluster made once per run, copied by each case (`PostgresProcess.start({ template })`). */
  readonly pgTemplate: string;
  /** A temp folder of this case, removed by the runner. */
  readonly dir: string;
  readonly cleanup: Cleanup;
  /** Progress line (prefixed with the case name). */
  log(line: string): void;
}

/** What a case returns; the runner adds name, seed, time and the verdict. */
export interface CaseOutcome {
  readonly rows: readonly FlowRow[];
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}

/** One case of the fault suite. */
export interface FaultCase {
  readonly name: string;
  /** One line: what is done and what must hold. */
  readonly summary: string;
  /** Wall-clock budget on this 2-core machine; the runner stops the case after 1.5 × this. */
  readonly budgetSeconds: number;
  run(ctx: CaseContext): Promise<CaseOutcome>;
}

/** Collects checks, rows and notes while a case runs. */
export class Verdict {
  readonly checks: Check[] = [];
  readonly rows: FlowRow[] = [];
  readonly notes: string[] = [];

  /** Records a check; returns `ok` so callers can branch on it. */
  expect(name: string, ok: boolean, detail: string): boolean {
    this.checks.push({ name, ok, detail });
    return ok;
  }

  /** `actual === expected`, with both in the detail. */
  equal(name: string, actual: number, expected: number, what = ''): boolean {
    return this.expect(name, actual === expected, `${actual} ${what ? `${what} ` : ''}(expected ${expected})`.trim());
  }

  /** `actual <= limit`. */
  atMost(name: string, actual: number, limit: number, what = ''): boolean {
    return this.expect(name, actual <= limit, `${actual} ${what ? `${what} ` : ''}(at most ${limit})`.trim());
  }

  row(row: FlowRow): void {
    this.rows.push(row);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  outcome(): CaseOutcome {
    return { rows: this.rows, checks: this.checks, notes: this.notes };
  }
}
