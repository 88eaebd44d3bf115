#!/usr/bin/env node
// CI only: removes the durable consumers earlier test runs left on the local NATS server's
// Premonitor streams. Every test run uses its own consumer names, and the Bus interface has no
// "delete consumer", so without this they pile up run after run on the CI machine's server.
// Never run this against a server that carries real traffic.
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

const url = process.env.PM_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const nc = await connect({ servers: url });
try {
  const jsm = await jetstreamManager(nc);
  let removed = 0;
  for await (const stream of jsm.streams.list()) {
    if (!stream.config.name.startsWith('PM_')) continue;
    for await (const consumer of jsm.consumers.list(stream.config.name)) {
      await jsm.consumers.delete(stream.config.name, consumer.name);
      removed++;
    }
  }
  console.log(`ci: removed ${removed} leftover test consumer(s) from ${url}`);
} finally {
  await nc.close();
}
