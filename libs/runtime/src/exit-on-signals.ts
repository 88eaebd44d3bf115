import { ShutdownError } from './stop-in-order.js';

/** How a host drains and reports, for {@link exitOnSignals}. */
export interface ExitOnSignalsOptions {
  /**
   * Drains everything within `budgetMs`; rejects (a {@link ShutdownError} ideally, naming the
   * components) when something did not stop cleanly.
   */
  readonly stop: (budgetMs: number) => Promise<void>;
  /** The bound on the whole drain, ms (`SHUTDOWN_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** One human-readable line per event; `failed` lines are errors. */
  readonly report: (line: string, failed: boolean) => void;
  /** What is stopping right now, named in the message when the hard deadline passes. */
  readonly stopping?: () => string | undefined;
  /** The line printed after a clean drain (default `stopped cleanly.`). */
  readonly cleanLine?: string;
  /** Ends the process; default `process.exit`. */
  readonly exit?: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

/** Exit codes: 0 clean, 1 something did not stop cleanly (or the deadline passed), 128+n a second signal. */
export const EXIT_CLEAN = 0;
export const EXIT_UNCLEAN = 1;
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * Installs SIGINT/SIGTERM handlers: the first signal drains with `stop` and exits 0 only when
 * everything stopped cleanly, 1 otherwise (the report names what failed). A hard timer ends the
 * process shortly after `timeoutMs` whatever is stuck; a second signal exits at once.
 * Returns `shutdown`, the same drain for a host that decides to stop on its own, and `dispose`,
 * which removes the handlers and the pending deadline (tests).
 */
export function exitOnSignals(options: ExitOnSignalsOptions): { shutdown(reason: string): Promise<void>; dispose(): void } {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let draining: Promise<void> | undefined;
  let hard: NodeJS.Timeout | undefined;

  const shutdown = (reason: string): Promise<void> => {
    draining ??= (async () => {
      options.report(`${reason}: draining (at most ${options.timeoutMs} ms; a second signal exits at once)…`, false);
      // The drain's own limits settle it by `timeoutMs`; this timer only covers a host that
      // awaits something unbounded before or after it. Not unref'd: with every socket closed,
      // a drain stuck on a bare promise would otherwise let the process end with code 0.
      hard = setTimeout(() => {
        const what = options.stopping?.();
        options.report(`shutdown did not finish within ${options.timeoutMs} ms${what ? ` (still stopping: ${what})` : ''}; exiting with code ${EXIT_UNCLEAN}.`, true);
        exit(EXIT_UNCLEAN);
      }, options.timeoutMs + 1_000);
      let code = EXIT_CLEAN;
      try {
        await options.stop(options.timeoutMs);
        options.report(options.cleanLine ?? 'stopped cleanly.', false);
      } catch (err) {
        code = EXIT_UNCLEAN;
        const message = err instanceof ShutdownError ? err.message : `shutdown failed: ${err instanceof Error ? err.message : String(err)}`;
        options.report(`${message}; exiting with code ${EXIT_UNCLEAN}.`, true);
      }
      clearTimeout(hard);
      exit(code);
    })();
    return draining;
  };

  const handlers = (options.signals ?? ['SIGINT', 'SIGTERM']).map((signal) => {
    const handler = () => {
      if (draining) {
        options.report(`second ${signal}: exiting at once without draining.`, true);
        exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
        return;
      }
      void shutdown(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    shutdown,
    dispose: () => {
      clearTimeout(hard);
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}
