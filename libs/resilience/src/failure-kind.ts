/**
 * What a failed write or publish says about trying again:
 * - `transient`: the same operation may well succeed later (connection lost, server
 *   restarting, pool exhausted, lock or serialisation conflict) — retry, never give up;
 * - `permanent`: the input itself is refused (bad data, constraint, size limit) — retrying
 *   cannot help, so isolate the message and dead-letter it;
 * - `unknown`: neither is certain — retry a bounded number of times, then treat as permanent.
 */
export type FailureKind = 'transient' | 'permanent' | 'unknown';

/**
 * SQLSTATE classes and codes PostgreSQL (and PGlite) use for conditions that pass:
 * 08 connection exception, 53 insufficient resources, 57P01–57P03 shutdown / cannot connect
 * now, 57014 statement timeout, 40001 serialization failure, 40P01 deadlock, 55P03 lock not
 * available, 55006 object in use, 58 system error (I/O), 25P03 idle-session timeout.
 */
const TRANSIENT_SQLSTATE = /^(08|53|58)|^(57P0[123]|57014|40001|40P01|55P03|55006|25P03)$/;
/**
 * Conditions caused by the data or the statement: 22 data exception, 23 integrity constraint
 * (the dedup conflicts are `on conflict` clauses, never raised), 42 syntax or access rule,
 * 54 program limit (e.g. an index row too large), 21 cardinality (a row affected twice), 0A
 * feature not supported, 2F/38/39 routine exceptions, 44 check option.
 */
const PERMANENT_SQLSTATE = /^(22|23|42|54|21|0A|2F|38|39|44)/;

/** Node socket and DNS errors: the peer is unreachable for now. */
const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTCONN', 'ESHUTDOWN']);

/** Messages of drivers that carry no code (node-postgres, PGlite, nats.js, our bus). */
const TRANSIENT_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|not queryable|pool after calling end|pglite is closed|driver has already been destroyed|connection (is )?closed|closed connection|no jetstream ack within|bus stopped|503|no responders|disconnect|timeout|timed out|not connected|reconnect/i;

/** Error names (walked through `cause`) that settle the question. */
const PERMANENT_NAMES = new Set(['MessageTooLargeError', 'InvalidSubjectError', 'NoStreamForSubjectError', 'InvalidArgumentError']);
const TRANSIENT_NAMES = new Set(['BusNotStartedError', 'BusConnectionError', 'ClosedConnectionError', 'TimeoutError', 'DrainingConnectionError', 'ConnectionError']);

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/**
 * Classifies an error from PostgreSQL/PGlite (by SQLSTATE), the network (by errno), the bus
 * (by error type) or a driver (by message), following `cause` links. The first link that
 * decides wins, from the outside in, so a wrapper can state its own kind.
 */
export function classifyFailure(err: unknown): FailureKind {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== null && typeof e === 'object' && !seen.has(e); e = (e as ErrorLike).cause) {
    seen.add(e);
    const kind = classifyOne(e as ErrorLike);
    if (kind !== 'unknown') return kind;
  }
  return 'unknown';
}

function classifyOne(e: ErrorLike): FailureKind {
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_SQLSTATE.test(code)) return 'transient';
    if (PERMANENT_SQLSTATE.test(code)) return 'permanent';
  }
  if (code !== undefined && TRANSIENT_ERRNO.has(code)) return 'transient';
  const name = typeof e.name === 'string' ? e.name : '';
  if (PERMANENT_NAMES.has(name)) return 'permanent';
  if (TRANSIENT_NAMES.has(name)) return 'transient';
  // An aggregate (e.g. every address of a host refused) is transient when all its parts are.
  const errors = (e as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0 && errors.every((x) => classifyFailure(x) === 'transient')) return 'transient';
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return 'transient';
  return 'unknown';
}
