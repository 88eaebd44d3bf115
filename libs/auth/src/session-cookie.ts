import type { Request, Response } from 'express';

/** The session cookie: HttpOnly (scripts cannot read it), SameSite=Strict (not sent cross-site). */
export const SESSION_COOKIE = 'pm_session';
/** The header a session request that changes state carries: the CSRF token the login answered with. */
export const CSRF_HEADER = 'x-csrf-token';

/** One cookie's value from a Cookie header (Express 5 parses none). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Sets the session cookie for `maxAgeMs`; Secure when the request came over TLS. */
export function setSessionCookie(req: Request, res: Response, token: string, maxAgeMs: number): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: maxAgeMs });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
}
