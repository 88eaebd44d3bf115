/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into ms from `nowMs`; undefined when
 * absent or unparseable. Capped at `maxMs` so a hostile receiver cannot park a channel forever.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, maxMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (!Number.isFinite(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(maxMs, Math.max(0, Math.round(ms)));
}
