import type { z } from 'zod';
import { HttpError } from './http-error.js';

/**
 * Validates request input (query or body) against a schema; a failure becomes a 400 that names
 * the first offending field and why.
 */
export function validateInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const reason = issue?.message ?? 'invalid input';
  throw new HttpError(400, 'invalid_request', field ? `${field}: ${reason}` : reason, field);
}
