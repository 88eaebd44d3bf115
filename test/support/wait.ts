/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until `done` holds for as long as `progress` keeps changing: it fails only once
 * `progress` stood still for `stallMs` (nothing is moving any more), or after `maxMs`. For
 * work whose length depends on the machine's speed (draining a queue, storing a backlog):
 * a slow machine makes it wait longer, only a stuck one makes it fail.
 */
export async function waitWhileProgressing(
  what: string,
  done: () => boolean | Promise<boolean>,
  progress: () => unknown,
  { stallMs = 30_000, maxMs = 600_000, everyMs = 100 }: { stallMs?: number; maxMs?: number; everyMs?: number } = {},
): Promise<void> {
  const started = Date.now();
  let last = JSON.stringify(await progress());
  let movedAt = started;
  for (;;) {
    if (await done()) return;
    const now = Date.now();
    const current = JSON.stringify(await progress());
    if (current !== last) {
      last = current;
      movedAt = now;
    }
    if (now - movedAt > stallMs) throw new Error(`waiting for ${what}: no progress for ${stallMs} ms (still at ${current})`);
    if (now - started > maxMs) throw new Error(`waiting for ${what}: not done after ${maxMs} ms (at ${current})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
