import type { Migration } from '@premonitor/db';

/**
 * Dead letters say who gave up on a message: `ingest` for MQTT messages it refused or could
 * not store, the durable consumer's name for bus messages a consumer could not process after
 * its deliveries ran out (`topic` is then the bus subject). Null on rows written before.
 */
export const deadLetterSource: Migration = {
  name: '0010_dead_letter_source',
  statements: [`alter table dead_letters add column if not exists source text`],
};
