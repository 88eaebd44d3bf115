import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { busSubjects } from '@premonitor/contracts';

/**
 * Leaves the shared JetStream as the alerts bench found it: deletes the durable consumers it
 * created (fusion's `<prefix>_*`, the notifier's, the bench's own) and purges its site's
 * scores and alerts.
 */
export async function removeAlertsBenchState(natsUrl: string, site: string, durablePrefixes: readonly string[]): Promise<void> {
  const nc = await natsConnect({ servers: natsUrl.split(','), name: 'pm-bench-alerts-cleanup' });
  try {
    const jsm = await jetstreamManager(nc);
    const streams = new Set([busSubjects.scores.stream, busSubjects.alerts.stream, busSubjects.telemetry.stream, busSubjects.status.stream, busSubjects.forecasts.stream, busSubjects.edgeAlerts.stream]);
    for (const stream of streams) {
      for await (const info of jsm.consumers.list(stream)) {
        if (durablePrefixes.some((p) => info.name.startsWith(p))) await jsm.consumers.delete(stream, info.name);
      }
    }
    await jsm.streams.purge(busSubjects.scores.stream, { filter: `pm.scores.*.${site}.>` });
    await jsm.streams.purge(busSubjects.alerts.stream, { filter: `pm.alerts.*.${site}.>` });
  } finally {
    await nc.close();
  }
}
