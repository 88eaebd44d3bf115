/** Short maintenance reports with expert scores (text with `%` for the equipment, availability, fiability, process safety). */
export const TRIAGE_TEMPLATES: readonly (readonly [string, number, number, number])[] = [
  ['paint peeling on guard of %', 1, 1, 1],
  ['% vibration slightly above normal', 2, 3, 1],
  ['% seal weeping oil', 3, 3, 2],
  ['% tripped, line stopped', 5, 4, 2],
  ['hydrogen leak at % flange', 4, 3, 5],
];

/**
 * Triage training records: every template once per piece of equipment, `anomaly_id`
 * `{prefix}-{equipment index}-{template index}`; with `equipmentIds`, `ID-{equipment index}` as the id.
 */
export function scoredReports(prefix: string, equipment: readonly string[], options: { equipmentIds?: boolean } = {}) {
  return equipment.flatMap((eq, r) =>
    TRIAGE_TEMPLATES.map(([text, a, f, s], i) => ({ anomaly_id: `${prefix}-${r}-${i}`, description: text.replace('%', eq), equipment_name: eq, ...(options.equipmentIds ? { equipment_id: `ID-${r}` } : {}), availability_score: a, fiability_score: f, process_safety_score: s })),
  );
}
