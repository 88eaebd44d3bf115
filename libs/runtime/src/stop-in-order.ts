/** One thing a host stops, by name. */
export interface StopStep {
  /** Component name, as the shutdown report prints it. */
  readonly name: string;
  stop(): Promise<void>;
}

/** A component that did not stop cleanly. */
export interface StopFailure {
  readonly component: string;
  /** `failed`: stop() threw. `timed out`: still running at its limit. `skipped`: the deadline had passed. */
  readonly outcome: 'failed' | 'timed out' | 'skipped';
  readonly error?: unknown;
}

/** Stopping left components not cleanly closed; the message names each one. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';
  constructor(readonly failures: readonly StopFailure[]) {
    super(`did not stop cleanly: ${failures.map(describeFailure).join('; ')}`, { cause: failures.find((f) => f.error !== undefined)?.error });
  }
}

export interface StopInOrderOptions {
  /** The whole sequence's bound, ms: it settles by then whatever is stuck. */
  readonly timeoutMs: number;
  /**
   * Longest one step may take, ms (default half of `timeoutMs`), so one stuck component still
   * leaves time to close the ones after it (the database last).
   */
  readonly stepTimeoutMs?: number;
  /** Told when a step starts, so a host can name what is stopping right now. */
  readonly onStep?: (name: string) => void;
}

/**
 * Stops the steps one after another. A step that throws or outlives its limit is recorded and
 * the next one starts (the late one keeps running in the background: a promise cannot be
 * cancelled); once the overall deadline passes the rest are skipped. Resolves when every step
 * stopped; otherwise rejects with a {@link ShutdownError} naming each failure.
 */
export async function stopInOrder(steps: readonly StopStep[], options: StopInOrderOptions): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  const stepLimit = options.stepTimeoutMs ?? options.timeoutMs / 2;
  const failures: StopFailure[] = [];
  let deadlinePassed = false;
  for (const step of steps) {
    const left = deadline - performance.now();
    if (deadlinePassed || left <= 0) {
      failures.push({ component: step.name, outcome: 'skipped' });
      continue;
    }
    options.onStep?.(step.name);
    const limitMs = Math.min(left, stepLimit);
    const outcome = await settleWithin(() => step.stop(), limitMs);
    if (outcome.kind === 'failed') failures.push({ component: step.name, outcome: 'failed', error: outcome.error });
    if (outcome.kind === 'timed out') {
      failures.push({ component: step.name, outcome: 'timed out', error: new Error(`stop() still running after ${Math.round(limitMs)} ms`) });
      // A timer can fire a fraction of a millisecond before `performance.now()` reaches the
      // deadline; a step cut off by the deadline itself ends the sequence all the same.
      deadlinePassed = limitMs === left;
    }
  }
  if (failures.length > 0) throw new ShutdownError(failures);
}

type Settled = { kind: 'stopped' } | { kind: 'failed'; error: unknown } | { kind: 'timed out' };

async function settleWithin(stop: () => Promise<void>, limitMs: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed out' }), limitMs);
  });
  // `stop` may throw synchronously or return a rejected promise: both are a failure.
  const done = Promise.resolve()
    .then(stop)
    .then((): Settled => ({ kind: 'stopped' }), (error: unknown): Settled => ({ kind: 'failed', error }));
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

function describeFailure(f: StopFailure): string {
  if (f.outcome === 'skipped') return `${f.component} skipped (shutdown deadline passed)`;
  if (f.outcome === 'timed out') return `${f.component} timed out`;
  return `${f.component} failed (${f.error instanceof Error ? f.error.message : String(f.error)})`;
}
