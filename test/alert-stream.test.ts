// GET /api/v1/alerts/stream: fusion's alert transitions as server-sent events, the console's live
// feed. A raise and an operator's ack arrive on a listening stream of the alert's site, not on
// another site's; a reconnect with Last-Event-ID gets what it missed; stopping fusion ends the streams.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { publishEvent } from '@premonitor/bus';
import { createLogger } from '@premonitor/log';
import { HttpServer, createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { busAndDatabaseModes, type BusAndDatabase } from './support/bus-and-database.js';
import { waitFor } from './support/wait.js';

const logger = createLogger({ service: 'alert-stream-test', level: 'silent' });
const modes = await busAndDatabaseModes('alert-stream', logger);

interface StreamEvent {
  readonly id: string;
  readonly event: string;
  readonly data: { eventId: string; from: string | null; to: string; actor: string; alert: { id: string; site: string; status: string } };
}

/** Reads a text/event-stream answer into `events` until it ends; `ended` resolves then. */
function listen(res: Response): { events: StreamEvent[]; ended: Promise<void>; cancel: () => Promise<void> } {
  const events: StreamEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field('data');
        if (data !== undefined) events.push({ id: field('id') ?? '', event: field('event') ?? '', data: JSON.parse(data) as StreamEvent['data'] });
      }
    }
  })();
  return { events, ended, cancel: () => reader.cancel().catch(() => undefined) };
}

for (const mode of modes) {
  describe(`alert stream, ${mode.name}`, { skip: mode.skip }, () => {
    const site = `as-${randomBytes(4).toString('hex')}`;
    const tag = site.replace(/-/g, '_');
    let env: BusAndDatabase;
    let fusion: Fusion | undefined;
    let http: HttpServer;
    let api = '';
    // Stands in for the host's access control, which names the actor from the credential.
    const asActor = Router().use((req, res, next) => {
      res.locals['actor'] = req.get('x-test-actor');
      next();
    });

    before(async () => {
      env = await mode.open();
      fusion = new Fusion(
        { rulesReloadMs: 0, tickMs: 1_000, streamPollMs: 50, consumers: { durablePrefix: `stream_${tag}`, site, deliverPolicy: 'new', ackWaitMs: 5_000 } },
        { db: env.db, bus: env.bus, logger, registry: createRegistry('alert-stream-test', false) },
      );
      http = new HttpServer({ logger, registry: createRegistry('alert-stream-http', false), readiness: [], routers: [{ path: '/api/v1', router: asActor }, { path: '/api/v1', router: fusion.router }], portSetting: 'HTTP_PORT' });
      api = `http://127.0.0.1:${await http.start(0)}/api/v1`;
      await fusion.start();
    });

    after(async () => {
      await fusion?.stop();
      await http?.stop();
      await env?.stop();
    });

    it('streams a raise and an ack to its site only, replays after Last-Event-ID, and ends when fusion stops', async () => {
      const ours = listen(await fetch(`${api}/alerts/stream?site=${site}`));
      const others = listen(await fetch(`${api}/alerts/stream?site=${site}-other`));
      const bad = await fetch(`${api}/alerts/stream?site=Not_A_Site`);
      assert.equal(bad.status, 400, 'an invalid site is refused');

      await publishEvent(env.bus, 'scores', ['acoustic', { site, device: 'd1' }], { site, device: 'd1', kind: 'acoustic', ts: Date.now(), seq: 1, score: 0.97, modelVersion: 'v1', latencyMs: 3 });
      const [opened] = await waitFor('the raise on the stream', () => (ours.events.length >= 1 ? ours.events : undefined), 60_000);
      assert.deepEqual([opened!.event, opened!.id, opened!.data.from, opened!.data.to, opened!.data.alert.site, opened!.data.alert.status], ['alert', opened!.data.eventId, null, 'open', site, 'open']);

      const ack = await fetch(`${api}/alerts/${opened!.data.alert.id}/ack`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-actor': 'olga' }, body: JSON.stringify({ note: 'on it' }) });
      assert.equal(ack.status, 200);
      const acked = await waitFor('the ack on the stream', () => ours.events.find((e) => e.data.to === 'acknowledged'), 30_000);
      assert.deepEqual([acked.data.from, acked.data.actor, acked.data.alert.status], ['open', 'olga', 'acknowledged']);
      assert.ok(Number(acked.id) > Number(opened!.id), 'event ids grow');
      assert.deepEqual(others.events.filter((e) => e.data.alert.site === site), [], "another site's stream saw this site's alerts");

      // A browser that saw only the raise reconnects: it gets the ack it missed, then live events.
      const resumed = listen(await fetch(`${api}/alerts/stream?site=${site}`, { headers: { 'last-event-id': opened!.id } }));
      const replayed = await waitFor('the missed ack replayed', () => resumed.events.find((e) => e.id === acked.id), 10_000);
      assert.equal(replayed.data.to, 'acknowledged');
      assert.ok(!resumed.events.some((e) => e.id === opened!.id), 'the event named by Last-Event-ID is not sent again');

      await fusion!.stop();
      fusion = undefined;
      await Promise.all([ours.ended, others.ended, resumed.ended]);
    });
  });
}
