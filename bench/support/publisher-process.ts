/**
 * Child-process entry of the publisher fleet (see publisher-fleet.ts). Publishers run in their
 * own process so their CPU shows up separately from ingest's, as real devices would.
 * Protocol over IPC: `connect` → `connected`; `run` → `ran`; `close` → exit.
 */
import { RawMqttPublisher, type PhaseResult, type PublisherSpec } from '@premonitor/testkit';
import type { FleetReply, FleetRequest } from './publisher-fleet.js';

let publishers: RawMqttPublisher[] = [];

function reply(message: FleetReply): void {
  process.send?.(message);
}

process.on('message', (raw) => {
  void handle(raw as FleetRequest).catch((err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});
// The parent died or closed the channel: nothing left to publish for.
process.on('disconnect', () => process.exit(0));

async function handle(request: FleetRequest): Promise<void> {
  switch (request.type) {
    case 'connect': {
      publishers = request.publishers.map((spec: PublisherSpec) => new RawMqttPublisher(spec));
      await Promise.all(publishers.map((p) => p.connect()));
      reply({ type: 'connected' });
      return;
    }
    case 'run': {
      const { total, seconds, rate } = request;
      const ratePerS = rate ? rate / publishers.length : undefined;
      const deadline = seconds === undefined ? undefined : Date.now() + seconds * 1000;
      const share = (i: number): number | undefined =>
        total === undefined ? undefined : Math.floor(total / publishers.length) + (i < total % publishers.length ? 1 : 0);
      const results = await Promise.all(publishers.map((p, i) => p.run({ count: share(i), deadline, ratePerS })));
      reply({ type: 'ran', result: combine(results) });
      return;
    }
    case 'close': {
      await Promise.all(publishers.map((p) => p.close()));
      process.exit(0);
    }
  }
}

function combine(results: readonly PhaseResult[]): PhaseResult {
  const firsts = results.map((r) => r.firstPublishAt).filter((t) => t > 0);
  return {
    acked: results.reduce((n, r) => n + r.acked, 0),
    unacked: results.reduce((n, r) => n + r.unacked, 0),
    firstPublishAt: firsts.length ? Math.min(...firsts) : 0,
    lastAckAt: Math.max(0, ...results.map((r) => r.lastAckAt)),
  };
}
