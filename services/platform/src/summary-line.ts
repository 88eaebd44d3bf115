import type { PlatformSummary } from './embedded-platform.js';

/**
 * The periodic one-line summary of `npm start`:
 * `2026-12-06T03:52:05.309Z  devices online 3/3  readings stored 792  rejected 0  open alerts 1 (latest: WARNING device offline demo/sim-001 at 2026-12-06T03:51:58.000Z)`.
 */
export function summaryLine(now: Date, s: PlatformSummary): string {
  const latest = s.latestAlert ? ` (latest: ${s.latestAlert.severity} ${s.latestAlert.title} ${s.latestAlert.site}/${s.latestAlert.device} at ${s.latestAlert.lastSeen})` : '';
  return `${now.toISOString()}  devices online ${s.devicesOnline}/${s.devicesKnown}  readings stored ${s.readingsStored}  rejected ${s.rejected}  open alerts ${s.openAlerts}${s.openAlertsMore ? '+' : ''}${latest}`;
}
