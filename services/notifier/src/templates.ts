import type { AlertEvent } from '@premonitor/contracts';

/** Placeholders a message template may use, as `{{name}}`. */
export const TEMPLATE_FIELDS = ['severity', 'site', 'device', 'rule', 'from', 'to', 'message', 'count', 'peakScore', 'alertId', 'time'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

export const DEFAULT_TEMPLATE = '[{{severity}}] {{rule}} on {{site}}/{{device}} is {{to}}: {{message}}';

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The placeholders of `template` that are not template fields (empty when it is valid). */
export function unknownPlaceholders(template: string): string[] {
  const known: readonly string[] = TEMPLATE_FIELDS;
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !known.includes(name));
}

function fieldValue(event: AlertEvent, field: TemplateField): string {
  switch (field) {
    case 'time':
      return new Date(event.ts).toISOString();
    case 'peakScore':
      return event.peakScore === null ? '-' : event.peakScore.toFixed(3);
    default:
      return String(event[field]);
  }
}

/**
 * Fills a template (already validated by `unknownPlaceholders`) from an alert transition. `escape`
 * applies to the filled-in values only (see `channel-escape.ts`): the template is the
 * operator's text, the values are not.
 */
export function renderTemplate(template: string, event: AlertEvent, escape: (text: string) => string = (t) => t): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => escape(fieldValue(event, name as TemplateField)));
}
