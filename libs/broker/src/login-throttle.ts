import { systemClock, type Clock } from '@premonitor/time';

/** How failed logins are throttled. */
export interface LoginThrottleOptions {
  /** Failed logins a username may have before it is locked out (across all addresses). */
  readonly usernameFreeFailures: number;
  /**
   * Failed logins one remote address may have before it is locked out (across all
   * usernames). Higher than the username's: many devices of a plant often share one NAT
   * address, and one of them with a wrong password should not lock the others out at once.
   */
  readonly addressFreeFailures: number;
  /** The first lockout, ms; each further failure doubles it. */
  readonly baseLockoutMs: number;
  /** The longest lockout, ms. */
  readonly maxLockoutMs: number;
  /** A key with no failure for this long starts again from zero, ms. */
  readonly forgetAfterMs: number;
  /** Most keys remembered; the least recently failed are forgotten first, so random usernames cannot grow memory without bound. */
  readonly maxKeys: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = Object.freeze({
  usernameFreeFailures: 5,
  addressFreeFailures: 20,
  baseLockoutMs: 1_000,
  maxLockoutMs: 60_000,
  forgetAfterMs: 15 * 60_000,
  maxKeys: 100_000,
});

/** Which key a lockout is on. */
export type ThrottleKey = 'username' | 'address';

/** A lockout in force: the login is refused without checking the password. */
export interface Lockout {
  readonly key: ThrottleKey;
  readonly retryInMs: number;
}

interface Failures {
  count: number;
  lastFailure: number;
  lockedUntil: number;
}

/**
 * Exponential, capped lockouts after repeated failed logins, per username and per remote
 * address. While a key is locked out its logins are refused before the password is
 * checked, so guessing costs the attacker time and the broker no scrypt work. A refusal
 * during a lockout is not a failure: it neither extends the lockout nor counts toward the
 * next, so a device retrying with a stale password every second is back within
 * `maxLockoutMs` of being fixed. A success clears the username's failures, not the
 * address's (otherwise one valid account would let an address reset its own count).
 */
export class LoginThrottle {
  readonly #o: LoginThrottleOptions;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #usernames = new Map<string, Failures>();
  readonly #addresses = new Map<string, Failures>();

  constructor(options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE, clock: Pick<Clock, 'now'> = systemClock) {
    this.#o = Object.freeze({ ...options });
    this.#clock = clock;
  }

  /** The lockout in force for this login, if any (the username's first). */
  lockedOut(username: string | undefined, address: string): Lockout | undefined {
    const now = this.#clock.now();
    const user = this.#usernames.get(username ?? '');
    if (user && user.lockedUntil > now) return { key: 'username', retryInMs: user.lockedUntil - now };
    const addr = this.#addresses.get(address);
    if (addr && addr.lockedUntil > now) return { key: 'address', retryInMs: addr.lockedUntil - now };
    return undefined;
  }

  /** Records a failed login; returns the lockouts it started (for one log line per lockout, not per attempt). */
  failed(username: string | undefined, address: string): Lockout[] {
    const started: Lockout[] = [];
    const u = this.#fail(this.#usernames, username ?? '', this.#o.usernameFreeFailures);
    if (u !== undefined) started.push({ key: 'username', retryInMs: u });
    const a = this.#fail(this.#addresses, address, this.#o.addressFreeFailures);
    if (a !== undefined) started.push({ key: 'address', retryInMs: a });
    return started;
  }

  /** Records a successful login. */
  succeeded(username: string): void {
    this.#usernames.delete(username);
  }

  /** Keys currently remembered (for tests and metrics). */
  get size(): number {
    return this.#usernames.size + this.#addresses.size;
  }

  #fail(map: Map<string, Failures>, key: string, free: number): number | undefined {
    const now = this.#clock.now();
    let f = map.get(key);
    if (!f || now - f.lastFailure > this.#o.forgetAfterMs) f = { count: 0, lastFailure: now, lockedUntil: 0 };
    f.count++;
    f.lastFailure = now;
    // Re-inserting keeps the Map in least-recently-failed order for eviction.
    map.delete(key);
    map.set(key, f);
    if (map.size > this.#o.maxKeys) map.delete(map.keys().next().value as string);
    if (f.count <= free) return undefined;
    const lockout = Math.min(this.#o.baseLockoutMs * 2 ** Math.min(f.count - free - 1, 30), this.#o.maxLockoutMs);
    f.lockedUntil = now + lockout;
    return lockout;
  }
}
