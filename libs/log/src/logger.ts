import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

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

/**
 * Structured JSON logger. Credentials never reach it: the redact list covers the fields that
 * could carry them if someone logs a connect packet or a config object by mistake.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'secret', '*.secret'], censor: '[redacted]' },
    },
    options.destination ?? process.stdout,
  );
}
