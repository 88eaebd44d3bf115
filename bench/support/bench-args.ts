import { parseArgs } from 'node:util';

/** The ingest bench's command line, parsed and checked once. */
export interface IngestBenchArgs {
  readonly mode: 'distributed' | 'embedded';
  /** Publishing time of the ceiling and of the sustained phase, each. */
  readonly seconds: number;
  readonly publishers: number;
  /** Messages per second across the fleet in the pipeline phase; 0 = as fast as the windows allow. */
  readonly rate: number;
  /** Unacknowledged publishes per device. */
  readonly window: number;
  /** After the sustained phase, publish `burstMessages` as fast as possible and wait for the drain. */
  readonly burst: boolean;
  readonly burstMessages: number;
  /** Ingest settings (BATCH_SIZE, BATCH_MAX_WAIT_MS, MQTT_RECEIVE_MAXIMUM). */
  readonly batchSize: number;
  readonly batchConcurrency: number;
  readonly batchWaitMs: number;
  readonly receiveMaximum: number;
  /** Ingest TELEMETRY_SYNCHRONOUS_COMMIT. */
  readonly synchronousCommit: boolean;
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** Diagnostic: `memory` swaps NATS for the in-process bus in distributed mode, to isolate its cost. */
  readonly bus: 'nats' | 'memory';
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Write a V8 CPU profile of this process (ingest's side) during the pipeline phase to this file. */
  readonly profile: string | undefined;
}

export const USAGE = `usage: npm run bench -- ingest --mode distributed|embedded [options]
  --seconds N           publishing time of the ceiling and of the pipeline phase (default 30)
  --publishers N        devices publishing in parallel (default 8)
  --rate N              pipeline phase: N messages/s across the fleet (×10 readings); 0 = as fast as
                        the windows allow (default 0). The ceiling and --burst always run flat out
  --window N            unacknowledged QoS 1 publishes per device (default 64)
  --burst               then publish --burst-messages as fast as possible and check nothing is lost
  --burst-messages N    default 200000
  --batch-size N        ingest BATCH_SIZE (default 1000)
  --batch-concurrency N ingest BATCH_CONCURRENCY, distributed mode (default 2)
  --batch-wait-ms N     ingest BATCH_MAX_WAIT_MS (default 50)
  --receive-maximum N   ingest MQTT_RECEIVE_MAXIMUM (default 20000; MQTT 5 only)
  --synchronous-commit on|off  ingest TELEMETRY_SYNCHRONOUS_COMMIT (default on)
  --database-url URL    distributed: server for the throwaway database (default postgres://postgres@127.0.0.1:5432/test)
  --nats-url URL        distributed: NATS JetStream (default nats://127.0.0.1:4222)
  --bus nats|memory     distributed, diagnostic: memory replaces JetStream by the in-process bus (default nats)
  --log-level LEVEL     component logs on stderr (default warn)
  --profile FILE        write a .cpuprofile of this process (ingest) covering the pipeline phase only`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseBenchArgs(argv: readonly string[]): IngestBenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        mode: { type: 'string' },
        seconds: { type: 'string', default: '30' },
        publishers: { type: 'string', default: '8' },
        rate: { type: 'string', default: '0' },
        window: { type: 'string', default: '64' },
        burst: { type: 'boolean', default: false },
        'burst-messages': { type: 'string', default: '200000' },
        'batch-size': { type: 'string', default: '1000' },
        'batch-concurrency': { type: 'string', default: '2' },
        'batch-wait-ms': { type: 'string', default: '50' },
        'receive-maximum': { type: 'string', default: '20000' },
        'synchronous-commit': { type: 'string', default: 'on' },
        'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
        'nats-url': { type: 'string', default: 'nats://127.0.0.1:4222' },
        bus: { type: 'string', default: 'nats' },
        'log-level': { type: 'string', default: 'warn' },
        profile: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const mode = values.mode;
  if (mode !== 'distributed' && mode !== 'embedded') throw new UsageError(`--mode must be distributed or embedded, got ${mode ?? 'nothing'}`);
  const syncCommit = values['synchronous-commit'];
  if (syncCommit !== 'on' && syncCommit !== 'off') throw new UsageError(`--synchronous-commit must be on or off, got ${syncCommit}`);
  const bus = values.bus;
  if (bus !== 'nats' && bus !== 'memory') throw new UsageError(`--bus must be nats or memory, got ${bus}`);
  const logLevel = values['log-level'];
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) throw new UsageError(`--log-level must be error, warn, info or debug`);
  return {
    mode,
    seconds: int('--seconds', values.seconds, 1, 3_600),
    publishers: int('--publishers', values.publishers, 1, 1_000),
    rate: int('--rate', values.rate, 0, 1_000_000),
    window: int('--window', values.window, 1, 10_000),
    burst: values.burst,
    burstMessages: int('--burst-messages', values['burst-messages'], 1, 10_000_000),
    batchSize: int('--batch-size', values['batch-size'], 1, 50_000),
    batchConcurrency: int('--batch-concurrency', values['batch-concurrency'], 1, 16),
    batchWaitMs: int('--batch-wait-ms', values['batch-wait-ms'], 1, 60_000),
    receiveMaximum: int('--receive-maximum', values['receive-maximum'], 1, 65_535),
    synchronousCommit: syncCommit === 'on',
    databaseUrl: values['database-url'],
    natsUrl: values['nats-url'],
    bus,
    logLevel: logLevel as IngestBenchArgs['logLevel'],
    profile: values.profile,
  };
}

function int(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}
