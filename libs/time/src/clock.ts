/** Opaque handle of a pending timer. */
export type TimerHandle = unknown;

/** Cancels a scheduled callback; calling it after the callback ran is harmless. */
export type Cancel = () => void;

/**
 * The one time source of the project. Timestamps, windows, cooldowns, redelivery, schedules
 * and retries all go through it, so specs drive them with {@link ManualClock} instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer from `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Wall-clock time and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** Runs `fn` once after `ms` on `clock`; returns its cancel function. */
export function after(clock: Clock, ms: number, fn: () => void): Cancel {
  const handle = clock.setTimeout(fn, Math.max(0, ms));
  return () => clock.clearTimeout(handle);
}

/** Resolves after `ms` on `clock`; resolves at once if `ms` ≤ 0. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
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
    cancelTimer = after(clock, due - clock.now(), () => {
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
