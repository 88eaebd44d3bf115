import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRegistry } from '@premonitor/http';
import { Fusion } from '@premonitor/fusion';
import { Ingest } from '@premonitor/ingest';
import type { Logger } from '@premonitor/log';
import { Notifier, parseRoutingSettings, type RoutingFile } from '@premonitor/notifier';
import type { BenchStack } from './bench-stack.js';
import type { ProcessGroup } from './cpu-meter.js';
import { ServiceProcess } from '@premonitor/testkit';

/** What the alerts bench runs between the broker and the webhook receiver. */
export interface AlertsPipelineOptions {
  readonly site: string;
  /** Prefix of every durable consumer (the cleanup deletes them by it). */
  readonly durablePrefix: string;
  /** The rules file fusion loads (FUSION_RULES_FILE). */
  readonly rules: object;
  readonly routing: RoutingFile;
  readonly fusionTickMs: number;
  /** Where the rules and routing files are written. */
  readonly dir: string;
  readonly natsUrl: string;
  readonly logger: Logger;
}

/** The running ingest → fusion → notifier chain. */
export interface AlertsPipeline {
  /** The services' processes for the CPU report (empty when they run inside this process). */
  readonly cpuGroups: ReadonlyMap<string, ProcessGroup>;
  /** What runs inside the bench process besides the devices and the receiver. */
  readonly inProcess: string;
  stop(): Promise<void>;
}

/**
 * Distributed mode: ingest, fusion and the notifier each as its own process
 * (`services/<name>/dist/main.js`, configured by environment exactly as deployed) against the
 * stack's Mosquitto, NATS and scratch database. Embedded mode: the same three units inside
 * this process on Aedes, the in-process bus and PGlite, as `npm start` wires them.
 */
export async function startAlertsPipeline(stack: BenchStack, o: AlertsPipelineOptions): Promise<AlertsPipeline> {
  const rulesFile = join(o.dir, 'rules.json');
  const routingFile = join(o.dir, 'routing.json');
  await writeFile(rulesFile, JSON.stringify(o.rules));
  await writeFile(routingFile, JSON.stringify(o.routing));
  return stack.mode === 'distributed' ? processes(stack, o, rulesFile, routingFile) : inProcess(stack, o, rulesFile);
}

async function processes(stack: BenchStack, o: AlertsPipelineOptions, rulesFile: string, routingFile: string): Promise<AlertsPipeline> {
  if (!stack.databaseUrl) throw new Error('distributed stack without a database URL');
  const common = { NATS_URL: o.natsUrl, DATABASE_URL: stack.databaseUrl, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' };
  const started: ServiceProcess[] = [];
  const stop = async () => {
    // Ingest first (nothing new comes in), then fusion, then the notifier, as a deployment drains.
    for (const service of started.splice(0)) await service.stop();
  };
  try {
    started.push(
      await ServiceProcess.start('ingest', {
        ...common,
        MQTT_URL: stack.coreUrl,
        MQTT_USERNAME: stack.core.username,
        MQTT_PASSWORD: stack.core.password,
        MQTT_CLIENT_ID: stack.coreClientId(o.site),
      }),
    );
    started.push(
      await ServiceProcess.start('fusion', {
        ...common,
        FUSION_RULES_FILE: rulesFile,
        FUSION_RULES_RELOAD_MS: '0',
        FUSION_TICK_MS: String(o.fusionTickMs),
        FUSION_DURABLE_PREFIX: `${o.durablePrefix}_fusion`,
        FUSION_SITE: o.site,
        FUSION_DELIVER_POLICY: 'new',
      }),
    );
    started.push(
      await ServiceProcess.start('notifier', {
        ...common,
        NOTIFIER_CONFIG_FILE: routingFile,
        NOTIFIER_DURABLE: `${o.durablePrefix}_notifier`,
        NOTIFIER_DELIVER_POLICY: 'new',
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    cpuGroups: new Map(started.map((s) => [s.name, { pids: s.pid ? [s.pid] : [] }])),
    inProcess: 'devices, receiver',
    stop,
  };
}

async function inProcess(stack: BenchStack, o: AlertsPipelineOptions, rulesFile: string): Promise<AlertsPipeline> {
  const deps = (name: string) => ({ db: stack.db, bus: stack.bus, logger: o.logger.child({ component: name }), registry: createRegistry(`bench-${name}`, false) });
  const fusion = new Fusion(
    { rulesFile, rulesReloadMs: 0, tickMs: o.fusionTickMs, consumers: { durablePrefix: `${o.durablePrefix}_fusion`, site: o.site, deliverPolicy: 'new', ackWaitMs: 30_000 } },
    deps('fusion'),
  );
  const notifier = new Notifier({ routing: parseRoutingSettings(o.routing), durable: `${o.durablePrefix}_notifier`, deliverPolicy: 'new' }, deps('notifier'));
  const ingest = new Ingest(
    {
      mqtt: { url: stack.coreUrl, username: stack.core.username, password: stack.core.password, clientId: stack.coreClientId(o.site), sharedGroup: '', receiveMaximum: 20_000, protocolVersion: stack.protocolVersion },
      // The embedded platform's settings (services/platform): one batch at a time on PGlite's one connection.
      batchSize: 1_000,
      batchMaxWaitMs: 50,
      batchConcurrency: 1,
      deadLetterMaxBytes: 64 * 1024,
      limits: { maxJsonBytes: 64 * 1024, maxFutureSkewMs: 5 * 60_000, maxPastAgeMs: 7 * 24 * 3_600_000 },
    },
    deps('ingest'),
  );
  await fusion.start();
  await notifier.start();
  await ingest.start();
  return {
    cpuGroups: new Map(),
    inProcess: 'devices, receiver, aedes, ingest, fusion, notifier, pglite',
    stop: async () => {
      await ingest.stop(5_000);
      await fusion.stop();
      await notifier.stop(2_000);
    },
  };
}
