/** The disk queue could not be opened or written; `cause` holds the file-system error. */
export class QueueStorageError extends Error {
  override readonly name = 'QueueStorageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A record larger than the queue accepts (it could never be stored without evicting everything). */
export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`queue record of ${size} bytes exceeds the limit of ${limit} bytes; raise QUEUE_MAX_BYTES or send smaller frames`);
  }
}
