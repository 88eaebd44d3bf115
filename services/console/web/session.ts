import { api, rememberCsrf, type User } from './api.js';

/** What a role may do, mirroring libs/auth's roleGrants: the console hides what would answer 403. */
export function can(user: User, permission: `${'read' | 'write' | 'admin'}:${string}`): boolean {
  if (user.role === 'admin') return true;
  if (permission.startsWith('read:')) return true;
  // Operators also enroll, reset and mark baselines (libs/auth roles.ts, OPERATOR_EXTRA).
  return user.role === 'operator' && (permission.startsWith('write:') || permission === 'admin:baselines');
}

/** The session's user, or undefined when nobody is logged in. */
export async function currentUser(): Promise<User | undefined> {
  try {
    return await api<User>('/api/v1/auth/me');
  } catch {
    return undefined;
  }
}

export async function logIn(name: string, password: string): Promise<User> {
  const answer = await api<{ user: User; csrfToken: string }>('/api/v1/auth/login', { method: 'POST', body: { name, password } });
  rememberCsrf(answer.csrfToken);
  return answer.user;
}

export async function logOut(): Promise<void> {
  await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
  rememberCsrf(null);
}
