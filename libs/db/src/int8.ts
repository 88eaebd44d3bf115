/**
 * Parses a PostgreSQL int8 text value the way PGlite does: a number when it is a safe
 * integer, a bigint beyond that, so pg and PGlite hand out the same values. Counts,
 * sequence numbers, ids and byte sizes are then plain numbers.
 */
export function parseInt8(text: string): number | bigint {
  const asNumber = Number(text);
  if (Number.isSafeInteger(asNumber)) return asNumber;
  return BigInt(text);
}
