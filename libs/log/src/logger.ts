import { pino, stdSerializers, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { maskUrlsInText } from './mask-url.js';

export type Logger = PinoLogger;

/** Correlation fields that tie a log line to a device message. */
export interface LogFields {
  readonly site?: string;
  readonly device?: string;
  readonly seq?: number;
  readonly [key: string]: unknown;
}

export interface LoggerOptions {
  /** Service name, on every line. */
  readonly service: string;
  /** Minimum level; `silent` for tests. */
  readonly level?: LevelWithSilent;
  /** Where lines go; defaults to stdout. */
  readonly destination?: NodeJS.WritableStream;
}

/** Fields whose value is a credential whatever it looks like; logged as `[redacted]`. */
const SECRET_FIELDS = ['password', 'passwordHash', 'secret', 'token', 'accessToken', 'authorization', 'cookie', 'MQTT_PASSWORD', 'DATABASE_URL'];

/**
 * Structured JSON logger. Credentials never reach it: the redact list covers fields that carry
 * them if someone logs a connect packet or a config object by mistake, and URLs with a password
 * are masked wherever they appear in the message, in top-level string fields and in errors
 * (message, stack, cause chain and the error's own properties).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
      serializers: { err: serializeError },
      hooks: {
        logMethod(args, method) {
          // Masked copies: the caller's objects are not touched.
          const masked = args.map((arg) => (typeof arg === 'string' ? maskUrlsInText(arg) : maskTopLevel(arg)));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? process.stdout,
  );
}

function serializeError(err: unknown): unknown {
  const serialized = err instanceof Error ? stdSerializers.err(err) : err;
  return maskDeep(serialized, 4);
}

function maskTopLevel(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Error || Array.isArray(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'string') continue;
    const masked = maskUrlsInText(field);
    if (masked === field) continue;
    copy ??= { ...value };
    copy[key] = masked;
  }
  return copy ?? value;
}

function maskDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskUrlsInText(value);
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = maskDeep(field, depth - 1);
  return out;
}
