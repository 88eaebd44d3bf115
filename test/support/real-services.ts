import { connect } from 'node:net';
import { existsSync } from 'node:fs';

/**
 * Finds the real PostgreSQL, Mosquitto and NATS the integration tests talk to:
 * an env URL first, then the standard local port, then a testcontainers container when a
 * Docker engine exists. When none is found the test is skipped loudly, unless
 * PREMONITOR_REQUIRE_SERVICES=1 (set by .ci/run), in which case it fails.
 */
export type ServiceName = 'postgres' | 'mosquitto' | 'nats';

interface ServiceSpec {
  readonly envVar: string;
  readonly localUrl: string;
  readonly port: number;
  readonly image: string;
  readonly containerPort: number;
  readonly command?: string[];
  readonly env?: Record<string, string>;
  readonly urlFor: (host: string, port: number) => string;
}

const SPECS: Record<ServiceName, ServiceSpec> = {
  postgres: {
    envVar: 'PM_TEST_DATABASE_URL',
    localUrl: 'postgres://postgres@127.0.0.1:5432/test',
    port: 5432,
    image: 'timescale/timescaledb:latest-pg16',
    containerPort: 5432,
    env: { POSTGRES_PASSWORD: 'test', POSTGRES_DB: 'test' },
    urlFor: (host, port) => `postgres://postgres:test@${host}:${port}/test`,
  },
  mosquitto: {
    envVar: 'PM_TEST_MQTT_URL',
    localUrl: 'mqtt://127.0.0.1:1883',
    port: 1883,
    image: 'eclipse-mosquitto:2',
    containerPort: 1883,
    command: ['mosquitto', '-c', '/mosquitto-no-auth.conf'],
    urlFor: (host, port) => `mqtt://${host}:${port}`,
  },
  nats: {
    envVar: 'PM_TEST_NATS_URL',
    localUrl: 'nats://127.0.0.1:4222',
    port: 4222,
    image: 'nats:2.10',
    containerPort: 4222,
    command: ['-js'],
    urlFor: (host, port) => `nats://${host}:${port}`,
  },
};

const found = new Map<ServiceName, Promise<string | undefined>>();
const stopContainers: Array<() => Promise<unknown>> = [];

export const servicesRequired = process.env.PREMONITOR_REQUIRE_SERVICES === '1';

/** The URL of a real service, or undefined (after a loud warning) when none can be had. */
export function realServiceUrl(name: ServiceName): Promise<string | undefined> {
  let pending = found.get(name);
  if (!pending) {
    pending = locate(name);
    found.set(name, pending);
  }
  return pending;
}

/**
 * For `describe`/`it` options: `{ skip: reason }` when the service is missing and not required.
 * Throws when it is required (CI), so a missing service fails the run instead of hiding.
 */
export async function needService(name: ServiceName): Promise<{ url: string | undefined; skip: string | false }> {
  const url = await realServiceUrl(name);
  if (url) return { url, skip: false };
  const message = `real ${name} not reachable (set ${SPECS[name].envVar}, run it on port ${SPECS[name].port}, or start a Docker engine)`;
  if (servicesRequired) throw new Error(`${message}; PREMONITOR_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(`\n!!! SKIPPING ${name} tests: ${message}\n`);
  return { url: undefined, skip: `SKIPPED: ${message}` };
}

/** Stops any containers started for this process. */
export async function stopRealServices(): Promise<void> {
  await Promise.allSettled(stopContainers.map((stop) => stop()));
}

async function locate(name: ServiceName): Promise<string | undefined> {
  const spec = SPECS[name];
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) return fromEnv;
  if (await reachable('127.0.0.1', spec.port)) return spec.localUrl;
  if (!dockerAvailable()) return undefined;
  const { GenericContainer, Wait } = await import('testcontainers');
  let container = new GenericContainer(spec.image).withExposedPorts(spec.containerPort);
  if (spec.env) container = container.withEnvironment(spec.env);
  if (spec.command) container = container.withCommand(spec.command);
  container = container.withWaitStrategy(Wait.forListeningPorts());
  const started = await container.start();
  stopContainers.push(() => started.stop());
  return spec.urlFor(started.getHost(), started.getMappedPort(spec.containerPort));
}

function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** True when a TCP connection to host:port succeeds within the timeout. */
export function reachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
