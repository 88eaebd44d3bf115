#!/usr/bin/env node
/**
 * What the embedded broker's journal costs one device: PUBACK latency (one QoS 1 publish at a
 * time) and throughput (`--window` publishes in flight), against EmbeddedBroker with the journal
 * off and on, interleaved over `--rounds`. A persistent core subscriber (ingest's account and
 * client id, mqtt.js acknowledging at once) takes every message, so the journal's checkpoints
 * run as in the platform; and one append to the journal alone (100 000 of them). Wall-clock
 * figures: say how busy the machine was.
 *
 *   npm run bench -- broker-journal [--seconds 5] [--window 64] [--rounds 2] [--payload-bytes 200]
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { CredentialStore, EmbeddedBroker, PublishJournal } from '@premonitor/broker';
import { coreClientId, deviceClientId, mqttTopic } from '@premonitor/contracts';
import { createLogger } from '@premonitor/log';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    window: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '2' },
    'payload-bytes': { type: 'string', default: '200' },
  },
});
const seconds = positive('seconds');
const window = positive('window');
const rounds = positive('rounds');
const payloadBytes = positive('payload-bytes');
const logger = createLogger({ service: 'bench-broker-journal', level: 'warn' });
const REF = { site: 'plant-1', device: 'pump-7' };
const DEVICE_PASSWORD = 'bench-device-password-0123';
const INGEST_PASSWORD = 'bench-ingest-password-0123';

interface Run {
  readonly latency: { readonly publishes: number; readonly p50_ms: number; readonly p99_ms: number; readonly per_s: number };
  readonly throughput: { readonly publishes: number; readonly per_s: number };
  /** Journal bytes and segment files 3 s after the last publish (checkpoints must have caught up: 0). */
  readonly journal_files_after: number | undefined;
}

function positive(name: string): number {
  const n = Number(values[name as keyof typeof values]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** A telemetry message of about `payloadBytes`, valid for ingest. */
function reading(seq: number): string {
  const base = { ts: Date.now(), seq, readings: { temperature: 41.5 } as Record<string, number> };
  for (let i = 0; JSON.stringify(base).length < payloadBytes; i++) base.readings[`r${i}`] = i + 0.125;
  return JSON.stringify(base);
}

async function run(journalOn: boolean): Promise<Run> {
  const credentials = CredentialStore.inMemory({ scrypt: { N: 1024, r: 8, p: 1 } });
  await credentials.addService('ingest', 'ingest', INGEST_PASSWORD);
  await credentials.addDevice(REF, DEVICE_PASSWORD);
  const dir = mkdtempSync(join(tmpdir(), 'pm-bench-journal-'));
  const ingestId = coreClientId('ingest');
  const broker = new EmbeddedBroker({
    port: 0,
    credentials,
    logger,
    admitDevices: false,
    ...(journalOn ? { journal: { dir, maxBytes: 512 * 1024 * 1024, storedBy: [ingestId] } } : {}),
  });
  await broker.start();
  const clients: MqttClient[] = [];
  try {
    const ingest = await connectAsync(broker.url, { clientId: ingestId, clean: false, username: 'ingest', password: INGEST_PASSWORD, reconnectPeriod: 0 });
    clients.push(ingest);
    await ingest.subscribeAsync(mqttTopic.telemetry(REF), { qos: 1 });
    await broker.admitDevices();
    const device = await connectAsync(broker.url, { clientId: deviceClientId(REF), username: `${REF.site}/${REF.device}`, password: DEVICE_PASSWORD, protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(device);
    const topic = mqttTopic.telemetry(REF);
    let seq = 0;

    const latencies: number[] = [];
    let end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t0 = performance.now();
      await device.publishAsync(topic, reading(++seq), { qos: 1 });
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(3));

    let acked = 0;
    end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (performance.now() < end) {
          await device.publishAsync(topic, reading(++seq), { qos: 1 });
          acked++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3_000));
    return {
      latency: { publishes: latencies.length, p50_ms: at(0.5), p99_ms: at(0.99), per_s: Math.round(latencies.length / seconds) },
      throughput: { publishes: acked, per_s: Math.round(acked / elapsed) },
      journal_files_after: journalOn ? readdirSync(dir).length : undefined,
    };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The journal's own cost: synchronous appends of one reading to a fresh journal, µs each. */
function appendOnly(count: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'pm-bench-journal-'));
  const journal = PublishJournal.open({ dir, maxBytes: 1024 * 1024 * 1024, logger });
  const record = { topic: mqttTopic.telemetry(REF), payload: Buffer.from(reading(1)), qos: 1 as const, retain: false };
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) journal.append(record);
    return Number((((performance.now() - t0) * 1000) / count).toFixed(2));
  } finally {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadBefore = loadavg()[0];
const appendUs = appendOnly(100_000);
const results: Record<'off' | 'on', Run[]> = { off: [], on: [] };
for (let round = 0; round < rounds; round++) {
  results.off.push(await run(false));
  results.on.push(await run(true));
}
const mean = (xs: number[]) => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3));
const summary = (runs: Run[]) => ({
  puback_p50_ms: mean(runs.map((r) => r.latency.p50_ms)),
  puback_p99_ms: mean(runs.map((r) => r.latency.p99_ms)),
  sequential_per_s: mean(runs.map((r) => r.latency.per_s)),
  windowed_per_s: mean(runs.map((r) => r.throughput.per_s)),
});
const off = summary(results.off);
const on = summary(results.on);
console.log(`broker journal, one device, ${payloadBytes}-byte telemetry, ${seconds} s per phase, ${rounds} rounds interleaved (load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
for (const [name, s] of [['journal off', off], ['journal on', on]] as const) {
  console.log(`  ${name.padEnd(12)} PUBACK p50 ${s.puback_p50_ms} ms  p99 ${s.puback_p99_ms} ms  sequential ${s.sequential_per_s}/s  window ${window}: ${s.windowed_per_s}/s`);
}
console.log(`  one append (writeSync, no fsync), alone: ${appendUs} µs (100 000 appends)`);
console.log(`  journal segment files 3 s after each run with it on: ${results.on.map((r) => r.journal_files_after).join(', ')}`);
console.log(JSON.stringify({ bench: 'broker-journal', seconds, window, rounds, payload_bytes: payloadBytes, append_us: appendUs, load_before: loadBefore, load_after: loadavg()[0], off, on, runs: results }));
