import { Registry, collectDefaultMetrics } from 'prom-client';

/** A Prometheus registry labelled with the service name, with process metrics collected. */
export function createRegistry(service: string, collectDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (collectDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}
