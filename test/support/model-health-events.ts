// Collects the model-health events (drift, rollback) of one test site from the bus.
import type { ModelHealthEvent } from '@premonitor/contracts';
import { decodeEvent, type Bus, type Subscription } from '@premonitor/bus';

/** Consumes `pm.model-health.{kind}.{site}.*` from now on into `events` (`kind` `*` for every kind). */
export async function collectModelHealth(bus: Bus, site: string, kind: string, events: ModelHealthEvent[]): Promise<Subscription> {
  return bus.consume({ stream: 'PM_EVENTS', durable: `health_${site.replace(/-/g, '_')}`, filterSubject: `pm.model-health.${kind}.${site}.*`, deliverPolicy: 'new' }, (m) => {
    const decoded = decodeEvent('modelHealth', m);
    if (decoded.ok) events.push(decoded.value);
    m.ack();
  });
}
