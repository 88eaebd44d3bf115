import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { deviceClientId, mqttTopic, type DeviceRef } from '@premonitor/contracts';
import { RawMqttClient, type ReceivedMessage } from '@premonitor/testkit';
import { Verdict, type CaseContext, type CaseOutcome } from '../case.js';
import type { Account, HostileTarget } from './hostile-target.js';
import { SteadyFleet } from './steady-fleet.js';
import { countStore, deadLetterRows } from './store-counts.js';

/** Wrong-password attempts of the brute-force scenario, and the longest it may take. */
const BRUTE_FORCE_ATTEMPTS = 120;
const BRUTE_FORCE_WINDOW_MS = 10_000;
/** "Throttled": at most this many attempts answered within the window… */
const THROTTLED_MAX_ANSWERS = 30;
/** …or every correct-password probe refused once this many failures came first… */
const THROTTLE_AFTER_FAILURES = 10;
/**
 * …or at most this many wrong passwords actually checked (the broker's own count): on a loaded
 * machine the attempts come slowly, lockouts (1 s doubling, after 5 free failures) expire
 * between them and a correct probe may land in a gap, yet a throttle still checks only a
 * handful of guesses — without one every wrong attempt is checked.
 */
const THROTTLED_MAX_CHECKED = 10;

/** Everything a scenario may use. */
interface Arena {
  readonly target: HostileTarget;
  readonly site: string;
  readonly attacker: Account & { readonly ref: DeviceRef };
  readonly victim: { readonly ref: DeviceRef; readonly clientId: string };
  readonly fleet: SteadyFleet;
  readonly v: Verdict;
  readonly log: (line: string) => void;
}

/**
 * The hostile-client scenarios, one after the other against one broker while legitimate
 * devices publish steadily: client-id takeover (a core id, another device's id), cross-device
 * publish and subscribe, an oversized publish, retained abuse, a login brute force. Each is
 * refused and counted, and afterwards every legitimate reading must be stored exactly once.
 */
export async function runHostile(ctx: CaseContext, site: string, start: (devices: ReadonlyMap<string, string>) => Promise<HostileTarget>): Promise<CaseOutcome> {
  const v = new Verdict();
  const fleet = new SteadyFleet({ site, telemetryDevices: 4, telemetryPerSecond: 5, gasDevices: 0, acousticDevices: 0, acousticEveryMs: 1, thermalDevices: 0, thermalEveryMs: 1 });
  const attacker = { ref: { site, device: 'mallory' }, username: `${site}/mallory`, password: 'mallory-password-0123' };
  const target = await start(new Map([...fleet.accounts(), [attacker.username, attacker.password]]));
  await fleet.connect(`mqtt://127.0.0.1:${target.port}`);
  ctx.cleanup.add('devices', () => fleet.close());
  fleet.start();
  await sleep(2_000);
  const arena: Arena = { target, site, attacker, victim: { ref: { site, device: 'tele-01' }, clientId: deviceClientId({ site, device: 'tele-01' }) }, fleet, v, log: ctx.log };

  const takeover = await coreIdTakeover(arena);
  const deviceTakeover = await deviceIdTakeover(arena);
  const spoofSent = await crossDevicePublish(arena);
  const eavesdropped = await crossDeviceSubscribe(arena);
  const oversized = await oversizedPublish(arena);
  const retained = await retainedAbuse(arena);
  const brute = await bruteForce(arena);

  await sleep(2_000);
  fleet.stopPublishing();
  const unacked = await fleet.settle(20_000);
  const finishing = Date.now();
  const legit = fleet.acked('telemetry');
  const db = await target.finish(new Set(legit.map((m) => `${m.device}#${m.seq}#${m.ts}`)));
  const counts = await countStore(db, site);
  const deadLetters = await deadLetterRows(db, site);
  const legitDead = deadLetters.filter((d) => d.topic.includes('/tele-')).length;
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from readings where device_id like ${`${site}/%`} and key = 'spoofed'`.execute(db.db);
  const spoofStored = Number(rows[0]?.n ?? 0);

  const stored = legit.filter((m) => counts.telemetry.has(`${m.device}#${m.seq}#${m.ts}`)).length;
  const duplicates = counts.readingRows - counts.readingsDistinct;
  const missing = legit.filter((m) => !counts.telemetry.has(`${m.device}#${m.seq}#${m.ts}`));
  if (missing.length > 0) {
    v.note(`readings not stored: ${missing.slice(0, 20).map((m) => `${m.device}#${m.seq} (published ${finishing - m.ts} ms before the stop)`).join(', ')}`);
  }
  v.row({ flow: 'legitimate telemetry', sent: legit.length, stored, lost: Math.max(0, legit.length - stored - legitDead), duplicates, deadLettered: legitDead });
  v.equal('legitimate traffic: every acknowledged reading stored', stored, legit.length, 'stored');
  v.equal('legitimate traffic: no reading stored twice', duplicates, 0, 'duplicates');
  v.equal('legitimate traffic: every publish acknowledged', unacked, 0, 'unacknowledged');
  v.equal('legitimate traffic: nothing dead-lettered', legitDead, 0, 'dead letters');
  const attacks = takeover.attempts + deviceTakeover.attempts + spoofSent + eavesdropped.attempts + oversized.attempts + retained.attempts + brute.attempts;
  const succeeded = takeover.taken + deviceTakeover.taken + takeover.received + deviceTakeover.received + eavesdropped.received + spoofStored + oversized.accepted + retained.kept + brute.accepted;
  v.row({ flow: 'hostile actions', sent: attacks, stored: succeeded, lost: 0, duplicates: 0, deadLettered: deadLetters.length - legitDead });
  v.equal('cross-device publish: nothing stored under the victim', spoofStored, 0, `spoofed readings stored of ${spoofSent} published`);
  v.note('hostile row: "stored" = attacks that got through (sessions taken, foreign messages received, spoofed readings stored, oversized or retained publishes kept, wrong passwords accepted); "dead-lettered" = the attacker\'s own garbage refused by ingest');
  return v.outcome();
}

/** A device logs in with ingest's client id: the broker must not hand it ingest's session, nor cut ingest off. */
async function coreIdTakeover(a: Arena): Promise<{ attempts: number; received: number; taken: number }> {
  const before = a.target.ingestDisconnects();
  const opened = await RawMqttClient.open({ port: a.target.port, clientId: a.target.ingestClientId, username: a.attacker.username, password: a.attacker.password, clean: false });
  let foreign: ReceivedMessage[] = [];
  if (opened.client) {
    // Queued messages of the session may come in the same read as the CONNACK: count from `received`.
    await opened.client.subscribe(['#', 'premonitor/v1/#']);
    await sleep(4_000);
    foreign = opened.client.received.filter((m) => !m.topic.startsWith(`premonitor/v1/${a.attacker.username}/`));
    await opened.client.close();
  }
  // The same on the core listener (Mosquitto): a device account must not log in there at all.
  let coreListener = 'none';
  if (a.target.corePort !== undefined) {
    const core = await RawMqttClient.open({ port: a.target.corePort, clientId: a.target.ingestClientId, username: a.attacker.username, password: a.attacker.password, clean: false });
    coreListener = core.code === undefined ? 'closed' : String(core.code);
    a.v.expect('core id takeover: a device cannot log in on the core listener', core.code !== 0, `CONNACK ${coreListener}`);
    await core.client?.close();
  }
  // Let ingest notice and reconnect, if it was cut off.
  await sleep(1_500);
  const cut = a.target.ingestDisconnects() - before;
  a.log(`core id takeover: CONNACK ${opened.code ?? 'none'} (core listener: ${coreListener}), ingest cut off ${cut}×, attacker received ${foreign.length} messages of others`);
  a.v.equal('core id takeover: ingest keeps its session', cut, 0, 'times ingest was disconnected');
  a.v.equal('core id takeover: the attacker receives nothing of others', foreign.length, 0, `messages (CONNACK ${opened.code ?? 'none'})`);
  return { attempts: a.target.corePort === undefined ? 1 : 2, received: foreign.length, taken: cut > 0 ? 1 : 0 };
}

/** A device logs in with another device's client id: the victim must stay connected. */
async function deviceIdTakeover(a: Arena): Promise<{ attempts: number; received: number; taken: number }> {
  const before = a.fleet.disconnectsOf(a.victim.ref.device);
  const opened = await RawMqttClient.open({ port: a.target.port, clientId: a.victim.clientId, username: a.attacker.username, password: a.attacker.password, clean: false });
  let foreign: ReceivedMessage[] = [];
  if (opened.client) {
    await sleep(3_000);
    foreign = [...opened.client.received];
    await opened.client.close();
  }
  const kicked = a.fleet.disconnectsOf(a.victim.ref.device) - before;
  a.log(`device id takeover: CONNACK ${opened.code ?? 'none'}, victim disconnected ${kicked}×`);
  a.v.equal('device id takeover: the victim stays connected', kicked, 0, `disconnects of ${a.victim.ref.device} (CONNACK ${opened.code ?? 'none'})`);
  return { attempts: 1, received: foreign.length, taken: kicked > 0 ? 1 : 0 };
}

/** The attacker publishes as the victim (and as a device of another site); the payloads carry `spoofed` so any stored trace is found. */
async function crossDevicePublish(a: Arena): Promise<number> {
  const opened = await RawMqttClient.open({ port: a.target.port, clientId: deviceClientId(a.attacker.ref), username: a.attacker.username, password: a.attacker.password });
  if (!opened.client) return 0;
  let sent = 0;
  const topics = [mqttTopic.telemetry(a.victim.ref), mqttTopic.telemetry({ site: 'other-site', device: 'tele-01' }), mqttTopic.status(a.victim.ref)];
  for (let i = 0; i < 60; i++) {
    const topic = topics[i % topics.length]!;
    const payload = topic.endsWith('/status') ? JSON.stringify({ state: 'offline', ts: Date.now() }) : JSON.stringify({ ts: Date.now(), seq: 900_000 + i, readings: { spoofed: 1 } });
    await opened.client.publish(topic, Buffer.from(payload));
    sent++;
  }
  await opened.client.close();
  a.log(`cross-device publish: ${sent} messages on others' topics`);
  return sent;
}

/** The attacker subscribes to everything it can think of; it must receive nothing but its own. */
async function crossDeviceSubscribe(a: Arena): Promise<{ attempts: number; received: number }> {
  const opened = await RawMqttClient.open({ port: a.target.port, clientId: deviceClientId(a.attacker.ref), username: a.attacker.username, password: a.attacker.password });
  if (!opened.client) return { attempts: 0, received: 0 };
  const filters = ['#', 'premonitor/#', 'premonitor/v1/+/+/telemetry', `premonitor/v1/${a.site}/tele-01/#`, '$SYS/#', 'premonitor/v1/+/+/model/+', '$share/g/premonitor/v1/#'];
  const codes = await opened.client.subscribe(filters);
  await sleep(3_000);
  const own = `premonitor/v1/${a.attacker.username}/`;
  const foreign = opened.client.received.filter((m) => !m.topic.startsWith(own)).length;
  await opened.client.close();
  a.log(`cross-device subscribe: SUBACK ${codes.map((c) => `0x${c.toString(16)}`).join(' ')}; ${foreign} messages of others received`);
  a.v.equal('cross-device subscribe: nothing of others received', foreign, 0, `messages (SUBACK ${codes.map((c) => `0x${c.toString(16)}`).join(' ')})`);
  return { attempts: filters.length, received: foreign };
}

/** 2 MiB on the attacker's own frame topic: above every packet limit the platform documents. */
async function oversizedPublish(a: Arena): Promise<{ attempts: number; accepted: number }> {
  const opened = await RawMqttClient.open({ port: a.target.port, clientId: deviceClientId(a.attacker.ref), username: a.attacker.username, password: a.attacker.password });
  let refused = false;
  if (opened.client) {
    const acked = await Promise.race([opened.client.publish(mqttTopic.frame(a.attacker.ref, 'acoustic'), Buffer.alloc(2 * 1024 * 1024, 1)), sleep(15_000).then(() => 'timeout' as const)]);
    refused = acked === false;
    opened.client.destroy();
  }
  a.v.expect('oversized publish (2 MiB): refused by the broker', refused, refused ? 'connection closed without PUBACK' : 'acknowledged: the broker took it');
  return { attempts: 1, accepted: refused ? 0 : 1 };
}

/**
 * Retained abuse: a 32 MiB retained message (the issue's finding on the embedded broker), then
 * retained messages on 30 topics outside the device's ACL and on its own topics. Afterwards a
 * core observer counts what the broker kept: nothing outside the ACL, at most one per own topic.
 */
async function retainedAbuse(a: Arena): Promise<{ attempts: number; kept: number }> {
  let attempts = 0;
  const big = await RawMqttClient.open({ port: a.target.port, clientId: deviceClientId(a.attacker.ref), username: a.attacker.username, password: a.attacker.password });
  let bigRefused = false;
  if (big.client) {
    attempts++;
    const acked = await Promise.race([big.client.publish(mqttTopic.status(a.attacker.ref), Buffer.alloc(32 * 1024 * 1024, 0x20), { retain: true }), sleep(30_000).then(() => 'timeout' as const)]);
    bigRefused = acked === false;
    big.client.destroy();
  }
  const flood = await RawMqttClient.open({ port: a.target.port, clientId: deviceClientId(a.attacker.ref), username: a.attacker.username, password: a.attacker.password });
  const own = [mqttTopic.telemetry(a.attacker.ref), mqttTopic.status(a.attacker.ref), mqttTopic.edgeAlert(a.attacker.ref), mqttTopic.frame(a.attacker.ref, 'acoustic'), mqttTopic.frame(a.attacker.ref, 'thermal')];
  if (flood.client) {
    for (let i = 0; i < 30; i++) {
      attempts++;
      await flood.client.publish(`premonitor/v1/${a.site}/mallory-${i}/status`, Buffer.from(JSON.stringify({ state: 'online', n: i })), { retain: true });
    }
    for (const topic of own) {
      for (let i = 0; i < 3; i++) {
        attempts++;
        await flood.client.publish(topic, Buffer.alloc(100_000, 0x41 + i), { retain: true });
      }
    }
    await flood.client.close();
  }
  // What a later subscriber (ingest after a restart, for one) would be handed.
  const observer = await RawMqttClient.open({ port: a.target.corePort ?? a.target.port, clientId: a.target.observer.clientId, username: a.target.observer.username, password: a.target.observer.password });
  let beyondAcl = 0;
  let onOwn = 0;
  if (observer.client) {
    await observer.client.subscribe([`premonitor/v1/${a.site}/#`]);
    await sleep(2_000);
    for (const m of observer.client.received.filter((r) => r.retain)) {
      if (own.includes(m.topic)) onOwn++;
      else if (m.topic.includes('/mallory')) beyondAcl++;
    }
    await observer.client.close();
  }
  a.log(`retained abuse: 32 MiB ${bigRefused ? 'refused' : 'accepted'}; kept ${beyondAcl} outside the ACL, ${onOwn} on own topics (observer CONNACK ${observer.code ?? 'none'})`);
  a.v.expect('retained abuse: a 32 MiB retained publish is refused', bigRefused, bigRefused ? 'connection closed without PUBACK' : 'acknowledged: the broker took it');
  a.v.equal('retained abuse: nothing retained outside the ACL', beyondAcl, 0, 'retained messages');
  a.v.atMost('retained abuse: at most one retained message per own topic', onOwn, own.length, 'retained messages on own topics');
  a.v.expect('retained abuse: the observer could look', observer.code === 0, `observer CONNACK ${observer.code ?? 'none'}`);
  return { attempts, kept: beyondAcl + (bigRefused ? 0 : 1) };
}

/**
 * Back-to-back logins with wrong passwords (every 10th attempt with the right one, as a lucky
 * guess would be). On the embedded broker this must be throttled; on Mosquitto every wrong one
 * is refused and counted, and the legitimate devices carry on.
 */
async function bruteForce(a: Arena): Promise<{ attempts: number; accepted: number }> {
  const checkedBefore = await a.target.checkedWrongLogins();
  const started = performance.now();
  let answered = 0;
  let refused = 0;
  let wrongAccepted = 0;
  let failures = 0;
  let probesAfterThrottle = 0;
  let probesAccepted = 0;
  for (let i = 1; i <= BRUTE_FORCE_ATTEMPTS && performance.now() - started < BRUTE_FORCE_WINDOW_MS; i++) {
    const probe = i % 10 === 0;
    const outcome = await RawMqttClient.open({ port: a.target.port, clientId: `${a.site}-guess-${i}`, username: a.attacker.username, password: probe ? a.attacker.password : `wrong-${i}-0123456789`, connectTimeoutMs: 5_000 });
    if (outcome.code !== undefined || outcome.closed) answered++;
    if (probe) {
      if (failures >= THROTTLE_AFTER_FAILURES) {
        probesAfterThrottle++;
        if (outcome.code === 0) probesAccepted++;
      }
    } else if (outcome.code === 0) {
      wrongAccepted++;
    } else {
      refused++;
      failures++;
    }
    outcome.client?.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const checkedAfter = await a.target.checkedWrongLogins();
  const checked = checkedBefore === undefined || checkedAfter === undefined ? undefined : checkedAfter - checkedBefore;
  a.log(`brute force: ${answered} attempts answered in ${seconds.toFixed(1)} s, ${refused} wrong refused (${checked ?? '?'} of them checked), ${probesAccepted}/${probesAfterThrottle} correct probes accepted after ${THROTTLE_AFTER_FAILURES} failures`);
  a.v.equal('brute force: no wrong password accepted', wrongAccepted, 0, `accepted (${refused} refused, ${answered} answered, ${(answered / seconds).toFixed(1)} per s)`);
  if (a.target.broker === 'embedded') {
    const throttled = answered <= THROTTLED_MAX_ANSWERS || (probesAfterThrottle > 0 && probesAccepted === 0) || (checked !== undefined && checked <= THROTTLED_MAX_CHECKED);
    a.v.expect('brute force: throttled', throttled, `${answered} attempts answered in ${seconds.toFixed(1)} s, ${checked ?? '?'} wrong passwords checked (throttled: ≤ ${THROTTLED_MAX_ANSWERS} answered in ${BRUTE_FORCE_WINDOW_MS / 1000} s, or a correct password refused once ${THROTTLE_AFTER_FAILURES} failures came first: ${probesAccepted} of ${probesAfterThrottle} accepted, or ≤ ${THROTTLED_MAX_CHECKED} checked)`);
  } else {
    a.v.note(`brute force on Mosquitto: ${answered} attempts in ${seconds.toFixed(1)} s, ${refused} refused; Mosquitto 2.0 has no login throttling (documented)`);
  }
  return { attempts: answered, accepted: wrongAccepted };
}
