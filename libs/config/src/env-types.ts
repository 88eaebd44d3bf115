import { z } from 'zod';

/** Integer from an environment string, within bounds. */
export function envInt(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`))
    .default(defaultValue);
}

/** Decimal number from an environment string (`0.25`, `1e-3`), within bounds. */
export function envNumber(defaultValue: number, min = -Number.MAX_VALUE, max = Number.MAX_VALUE) {
  return z
    .string()
    .regex(/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`))
    .default(defaultValue);
}

/** TCP port; 0 asks the OS for a free one. */
export function envPort(defaultValue: number) {
  return envInt(defaultValue, 0, 65_535);
}

/** Boolean from `true/false/1/0/yes/no`. */
export function envBool(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(defaultValue);
}

/** URL with one of the given schemes. */
export function envUrl(schemes: readonly string[], defaultValue?: string) {
  const schema = z
    .string()
    .url('must be a URL')
    // zod runs the refinement even when `.url()` failed: it must not throw on a non-URL, and
    // leaves that one to `.url()`'s message.
    .refine((v) => !URL.canParse(v) || schemes.includes(new URL(v).protocol.replace(/:$/, '')), `scheme must be one of ${schemes.join(', ')}`);
  return defaultValue === undefined ? schema : schema.default(defaultValue);
}

/** One of a fixed set of words. */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z.enum(values).default(defaultValue as never);
}

/** A JSON document in one variable (`{}` style maps of settings), parsed, then validated by `schema`. */
export function envJson<S extends z.ZodType>(schema: S, defaultText: string) {
  return z
    .string()
    .default(defaultText)
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
