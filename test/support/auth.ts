import { randomBytes } from 'node:crypto';

/**
 * An admin token for the hosts a test starts: put {@link authEnv} in the host's environment
 * (it registers the token for user `admin`, stored hashed) and send {@link bearer} with each request.
 */
export const TEST_ADMIN_TOKEN = `pm_test_${randomBytes(24).toString('base64url')}`;

/** The environment that makes a host accept `token` as an admin's. */
export function authEnv(token: string = TEST_ADMIN_TOKEN): { AUTH_BOOTSTRAP_ADMIN_TOKEN: string } {
  return { AUTH_BOOTSTRAP_ADMIN_TOKEN: token };
}

/** Request headers carrying `token`. */
export function bearer(token: string = TEST_ADMIN_TOKEN): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
