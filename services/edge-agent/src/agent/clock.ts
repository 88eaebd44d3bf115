/** Cancels a scheduled callback; calling it after the callback ran is harmless. */
export type Cancel = () => void;

/**
 * Time as the edge agent sees it. Device timestamps and every schedule go through this, so
 * specs drive the agent with a fake clock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (an integer). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Cancel;
}

/** The wall clock and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms` on `clock`; resolves at once if `ms` ≤ 0. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => clock.after(ms, resolve));
}

/**
 * Calls `tick` every `intervalMs` without drift: each run is scheduled from the previous due
 * time, not from when the callback happened to run. After a long stall (a suspended laptop,
 * a blocked loop) it re-anchors on now instead of firing a burst of catch-up ticks.
 */
export function every(clock: Clock, intervalMs: number, tick: () => void, firstDelayMs = intervalMs): Cancel {
  let due = clock.now() + firstDelayMs;
  let cancelled = false;
  let cancelTimer: Cancel = () => {};
  const arm = () => {
    cancelTimer = clock.after(due - clock.now(), () => {
      if (cancelled) return;
      tick();
      due += intervalMs;
      if (due < clock.now() - intervalMs) due = clock.now() + intervalMs;
      if (!cancelled) arm();
    });
  };
  arm();
  return () => {
    cancelled = true;
    cancelTimer();
  };
}
