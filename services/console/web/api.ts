/** The signed-in user, as `/api/v1/auth/me` and the login answer name them. */
export interface User {
  readonly name: string;
  readonly role: 'viewer' | 'operator' | 'admin';
  readonly sites: readonly string[] | null;
}

/** An API answer other than 2xx, with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The CSRF token of the session: kept for the tab only (the session cookie itself is HttpOnly). */
const CSRF_KEY = 'premonitor.csrf';

/** Called on a 401: the session ended, show the login page. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export function rememberCsrf(token: string | null): void {
  if (token === null) sessionStorage.removeItem(CSRF_KEY);
  else sessionStorage.setItem(CSRF_KEY, token);
}

/** Calls the API with the session cookie; a change carries the CSRF token; JSON both ways. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; form?: FormData } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = sessionStorage.getItem(CSRF_KEY) ?? '';
  let body: BodyInit | undefined;
  if (init.form) body = init.form;
  else if (init.body !== undefined || method !== 'GET') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body ?? {});
  }
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  if (res.status === 401 && path !== '/api/v1/auth/login') onUnauthorized();
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(res.status, problem.message ?? `${res.status} ${res.statusText}`);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A query string of the defined values. */
export function query(values: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The error's message for a person. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
