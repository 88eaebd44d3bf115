import { classifyFailure, type FailureKind } from './failure-kind.js';

/** An item a write refused on its own, with that refusal. */
export interface Poisoned<T> {
  readonly item: T;
  readonly error: unknown;
}

/** What {@link isolatePoison} found. */
export interface Isolation<T> {
  /** Items that failed alone for a reason other than a transient one: dead-letter them. */
  readonly poisoned: readonly Poisoned<T>[];
  /** Items whose part failed transiently during the search: write them again later. */
  readonly retry: readonly T[];
  /** The last transient error, when `retry` is not empty. */
  readonly retryError?: unknown;
}

/**
 * After `items` failed together with `error` (not a transient one), finds the items the write
 * refuses by bisection: each half is written; a half that succeeds is done, one refused again
 * is split again, down to single items — the poison. Parts that fail transiently meanwhile are
 * handed back for a later retry. About 2·k·log2(n) writes for k bad items among n; a batch of
 * one is poison at once. Halves are written in order, so acks keep their arrival order.
 */
export async function isolatePoison<T>(
  items: readonly T[],
  error: unknown,
  write: (part: readonly T[]) => Promise<unknown>,
  classify: (err: unknown) => FailureKind = classifyFailure,
): Promise<Isolation<T>> {
  const poisoned: Poisoned<T>[] = [];
  const retry: T[] = [];
  let retryError: unknown;
  const search = async (part: readonly T[], failure: unknown): Promise<void> => {
    if (part.length === 1) {
      poisoned.push({ item: part[0]!, error: failure });
      return;
    }
    const middle = Math.ceil(part.length / 2);
    for (const half of [part.slice(0, middle), part.slice(middle)]) {
      try {
        await write(half);
      } catch (err) {
        if (classify(err) === 'transient') {
          retry.push(...half);
          retryError = err;
        } else {
          await search(half, err);
        }
      }
    }
  };
  await search(items, error);
  return retry.length > 0 ? { poisoned, retry, retryError } : { poisoned, retry };
}
