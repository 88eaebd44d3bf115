import type { AlertEvent } from '@premonitor/contracts';
import type { RouteSettings } from './notifier-settings.js';

/** The names of the channels an alert transition goes to, each once, in route order. */
export function channelsFor(event: AlertEvent, routes: readonly RouteSettings[]): string[] {
  const out = new Set<string>();
  for (const route of routes) {
    if (route.severities && !route.severities.includes(event.severity)) continue;
    if (route.sites && !route.sites.includes('*') && !route.sites.includes(event.site)) continue;
    if (route.transitions && !route.transitions.includes(event.to)) continue;
    for (const channel of route.channels) out.add(channel);
  }
  return [...out];
}
