import type { DeviceRef, StatusMessage, TelemetryMessage } from '@premonitor/contracts';

/** A telemetry message that passed validation, with its origin. */
export interface AcceptedTelemetry {
  readonly ref: DeviceRef;
  readonly message: TelemetryMessage;
  readonly receivedAt: number;
}

export interface AcceptedStatus {
  readonly ref: DeviceRef;
  readonly message: StatusMessage;
  readonly receivedAt: number;
}

export interface DeadLetter {
  readonly time: number;
  readonly topic: string;
  readonly deviceId: string | null;
  readonly reason: string;
  readonly payload: Uint8Array;
}

/** Frames and alerts are forwarded, not stored here; they still make their device "seen". */
export interface DeviceSeen {
  readonly ref: DeviceRef;
  readonly at: number;
}

/** What ingest persists. Implemented over @premonitor/db (pg or PGlite). */
export interface IngestStore {
  /** Stores readings and touches their devices; returns how many new reading rows were written (duplicates excluded). */
  saveTelemetry(batch: readonly AcceptedTelemetry[]): Promise<number>;
  /**
   * Applies online/offline transitions and retained status details; resolves with the time of
   * each status, in batch order: the device's `ts`; for an "offline" without one (the last
   * will) repeating the stored offline with nothing heard from the device since, the time
   * already stored; else `receivedAt`. A will received again thus gets the same time (and
   * status event id).
   */
  saveStatus(batch: readonly AcceptedStatus[]): Promise<readonly number[]>;
  /** Marks devices as seen (first/last seen). */
  touchDevices(batch: readonly DeviceSeen[]): Promise<void>;
  saveDeadLetters(batch: readonly DeadLetter[]): Promise<void>;
}
