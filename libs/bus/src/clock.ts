/** Opaque handle of a pending timer. */
export type TimerHandle = unknown;

/**
 * The time source of the in-process bus. Injected so redelivery, nak delays and retention can
 * be tested with a manual clock instead of sleeps.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer from `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Wall-clock time and Node timers. */
export const realClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, delayMs),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
