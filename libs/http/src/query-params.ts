import { z } from 'zod';

/** A time in a query string: ISO-8601 or milliseconds since the epoch, as a Date. */
export const queryTime = z.string().transform((v, ctx) => {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 time or ms since epoch' });
    return z.NEVER;
  }
  return new Date(ms);
});

/** A page size in a query string: an integer in 1…`max`, `fallback` when absent. */
export function queryLimit(max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be ≥ 1').max(max, `must be ≤ ${max}`))
    .default(fallback);
}
