import { Gauge, type Registry } from 'prom-client';

/** One value of a sampled gauge with its labels. */
export interface Sample<L extends string> {
  readonly labels: Readonly<Partial<Record<L, string>>>;
  readonly value: number;
}

/** A gauge whose values are read at scrape time. */
export interface SampledGaugeOptions<L extends string> {
  readonly registry: Registry;
  /** Metric name; a gauge, so no `_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  /** Reads the current values (a query, a breaker's state); called once per scrape. */
  readonly read: () => readonly Sample<L>[] | Promise<readonly Sample<L>[]>;
  /** Told when `read` fails; the scrape then shows no values for this gauge rather than stale ones. */
  readonly onError?: (err: unknown) => void;
}

/**
 * A gauge read at scrape time, e.g. a count from the database. Values from an earlier scrape
 * that `read` no longer returns disappear (an outbox channel drained to zero rows is 0 only when
 * `read` says so). A failing `read` never fails the scrape: the other metrics still answer.
 */
export function sampledGauge<L extends string>(options: SampledGaugeOptions<L>): Gauge<L> {
  const existing = options.registry.getSingleMetric(options.name);
  if (existing) options.registry.removeSingleMetric(options.name);
  return new Gauge<L>({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    registers: [options.registry],
    async collect() {
      this.reset();
      try {
        for (const { labels, value } of await options.read()) this.set(labels as Partial<Record<L, string>>, value);
      } catch (err) {
        options.onError?.(err);
      }
    },
  });
}
