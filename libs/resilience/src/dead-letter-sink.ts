/** One message given up on, as the `dead_letters` table keeps it. */
export interface DeadLetterEntry {
  /** The MQTT topic or bus subject it arrived on. */
  readonly topic: string;
  /** `site/device` when known. */
  readonly deviceId?: string | null;
  readonly reason: string;
  /** The raw message; the sink bounds what it stores. */
  readonly payload: Uint8Array;
  /** Who gave up on it: `ingest`, or a consumer's durable name. */
  readonly source?: string | null;
}

/** Where dead letters go; `databaseDeadLetters` of @premonitor/db implements it. */
export interface DeadLetterSink {
  record(entries: readonly DeadLetterEntry[]): Promise<unknown>;
}
