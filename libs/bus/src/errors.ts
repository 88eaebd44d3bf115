/** Base class of every error the bus adapters raise, so callers can tell bus failures apart. */
export class BusError extends Error {
  override readonly name: string = 'BusError';
}

/** A publish named a subject that no stream of `streamLayout()` stores. */
export class NoStreamForSubjectError extends BusError {
  override readonly name = 'NoStreamForSubjectError';
  constructor(readonly subject: string) {
    super(
      `no stream stores subject "${subject}": publish only on subjects built from busSubjects ` +
        `(@premonitor/contracts), or add a stream for it to the map`,
    );
  }
}

/** A subject that cannot be published to: empty tokens, wildcards or whitespace. */
export class InvalidSubjectError extends BusError {
  override readonly name = 'InvalidSubjectError';
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`invalid subject "${subject}": ${reason}`);
  }
}

/** A consumer named a stream that `streamLayout()` does not define. */
export class UnknownStreamError extends BusError {
  override readonly name = 'UnknownStreamError';
  constructor(
    readonly stream: string,
    known: readonly string[],
  ) {
    super(`unknown stream "${stream}"; the streams are ${known.join(', ')}`);
  }
}

/** A consumer filter that selects subjects outside its stream. */
export class InvalidFilterError extends BusError {
  override readonly name = 'InvalidFilterError';
  constructor(
    readonly stream: string,
    readonly filterSubject: string,
    streamSubjects: readonly string[],
  ) {
    super(`filter "${filterSubject}" is not within stream ${stream}, which stores ${streamSubjects.join(', ')}`);
  }
}

/** A consumer spec JetStream would refuse (bad durable name, non-positive limits). */
export class InvalidConsumerSpecError extends BusError {
  override readonly name = 'InvalidConsumerSpecError';
  constructor(
    readonly durable: string,
    reason: string,
  ) {
    super(`invalid consumer "${durable}": ${reason}`);
  }
}

/** An operation was called before `start()` or after `stop()`. */
export class BusNotStartedError extends BusError {
  override readonly name = 'BusNotStartedError';
  constructor(operation: string) {
    super(`bus is not running: call start() before ${operation}()`);
  }
}

/** The first connection to the message server failed (later drops are retried forever). */
export class BusConnectionError extends BusError {
  override readonly name = 'BusConnectionError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot connect to NATS at ${url}: ${describe(cause)}; is nats-server running with JetStream (-js)?`, { cause });
  }
}

/** The server refused or failed an operation (stream setup, publish, consumer setup). */
export class BusOperationError extends BusError {
  override readonly name = 'BusOperationError';
  constructor(operation: string, cause: unknown) {
    super(`${operation} failed: ${describe(cause)}`, { cause });
  }
}

/** A message larger than a whole stream may hold. */
export class MessageTooLargeError extends BusError {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly subject: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`message on "${subject}" is ${bytes} bytes, more than the stream limit of ${maxBytes} bytes`);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
