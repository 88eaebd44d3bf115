import type { Response } from 'express';

/**
 * The name of whoever the request acts as, set by the host's access control from the
 * credential (never from the body); undefined when no access control runs (a bare test server).
 */
export function requestActor(res: Response): string | undefined {
  const actor: unknown = res.locals['actor'];
  return typeof actor === 'string' ? actor : undefined;
}
