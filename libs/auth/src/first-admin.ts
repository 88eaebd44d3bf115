import { isUniqueViolation } from '@premonitor/db';
import type { AuthStore } from './auth-store.js';
import { newPassword } from './secrets.js';

/** The first admin's name. */
export const FIRST_ADMIN = 'admin';

/** Secrets of a first admin created just now: printed once, never again (only hashes are kept). */
export interface FirstAdminSecrets {
  readonly name: string;
  readonly password: string;
  readonly token: string;
}

/**
 * Makes sure someone can administer the system. With `bootstrapToken` (a deployment secret)
 * the user `admin` is created if missing and the token registered for it. Without it, and only
 * when `createIfNone` and no user exists yet (embedded mode's first start), `admin` is created
 * with a new password and token, returned for the caller to print once; a later start finds the
 * user and creates nothing. Concurrent starts of several services are harmless.
 */
export async function ensureFirstAdmin(store: AuthStore, options: { bootstrapToken?: string | undefined; createIfNone: boolean }): Promise<FirstAdminSecrets | undefined> {
  if (options.bootstrapToken) {
    await ignoreDuplicate(store.createUser({ name: FIRST_ADMIN, role: 'admin' }));
    await ignoreDuplicate(store.issue({ user: FIRST_ADMIN, name: 'bootstrap (AUTH_BOOTSTRAP_ADMIN_TOKEN)', kind: 'api', token: options.bootstrapToken }));
    return undefined;
  }
  if (!options.createIfNone || (await store.countUsers()) > 0) return undefined;
  const password = newPassword();
  try {
    await store.createUser({ name: FIRST_ADMIN, role: 'admin', password });
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
  const { token } = await store.issue({ user: FIRST_ADMIN, name: 'first start', kind: 'api' });
  return { name: FIRST_ADMIN, password, token };
}

async function ignoreDuplicate(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}
