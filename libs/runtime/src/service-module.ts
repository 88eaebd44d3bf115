import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Bus } from '@premonitor/bus';
import type { DatabaseHandle, SchemaPart } from '@premonitor/db';
import type { ReadinessCheck, RouteDeclaration } from '@premonitor/http';
import type { Logger } from '@premonitor/log';

/** The settings every core service reads (`coreConfigShape` in @premonitor/config), by environment variable name. */
export interface CoreServiceConfig {
  readonly NATS_URL: string;
  /** Copies of every JetStream stream (`coreConfigShape`); default 1. */
  readonly NATS_STREAM_REPLICAS?: number;
  readonly DATABASE_URL: string;
  readonly DATABASE_POOL_SIZE?: number;
  /** `off`: check the schema is current instead of migrating (a service role may not change it); default `on`. */
  readonly DATABASE_MIGRATE?: 'on' | 'off';
  readonly HTTP_HOST: string;
  readonly HTTP_PORT: number;
  readonly LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Bound on the SIGINT/SIGTERM drain, ms (`shutdownConfigShape` in @premonitor/config); default 20 000. */
  readonly SHUTDOWN_TIMEOUT_MS?: number;
}

/** Environment variables as a module reads them: `process.env` in distributed mode, the embedded overrides in embedded mode. */
export type ModuleEnv = Readonly<Record<string, string | undefined>>;

/** What a module's `create` returns: its lifecycle, its routers and its readiness checks. */
export interface ServiceComponent {
  readonly readiness: readonly ReadinessCheck[];
  readonly routers: readonly { readonly path: string; readonly router: Router }[];
  start(): Promise<void>;
  /** Drains: finishes in-flight work, then releases what the component opened itself. */
  stop(): Promise<void>;
}

/** The adapters a host hands each module: the same interfaces in both modes, different implementations. */
export interface ModuleContext {
  /** PostgreSQL (distributed) or PGlite (embedded), migrated. */
  readonly db: DatabaseHandle;
  /** NATS JetStream (distributed) or the in-process bus (embedded), connected. */
  readonly bus: Bus;
  readonly logger: Logger;
  /** The Prometheus registry served on `/metrics`. */
  readonly registry: Registry;
  readonly mode: 'distributed' | 'embedded';
  /**
   * One instance per host and key: the first caller's `make` builds it, later callers get the
   * same one. Embedded mode thus has one model registry for every module; distributed mode one per process.
   */
  shared<T>(key: string, make: () => T): T;
  /** Runs `reload` when the operator asks for a configuration reload (SIGHUP in distributed mode; never in embedded mode). */
  onReload(reload: () => void): void;
}

/**
 * One service as a unit a host can run: its name, its settings, its routes and how to build it.
 * Distributed mode runs one module per process (`runModule`), embedded mode a list of them in one
 * process (`ModuleHost`). Adding a service = one folder exporting a module + one line in the list
 * of services/platform.
 */
export interface ServiceModule<C extends CoreServiceConfig = CoreServiceConfig> {
  /** For logs, metrics and the NATS connection; may depend on the config (`acoustic-inference`). */
  readonly name: string | ((config: C) => string);
  /** Parses the settings (a shape spreading `coreConfigShape`); throws `ConfigError` naming the variable. */
  readonly config: (env: ModuleEnv) => C;
  /**
   * The tables it needs: its own schema part (`src/schema.ts`) and the parts it reads or refers
   * to, the core's first. A distributed host migrates these at start; embedded mode migrates every part.
   */
  readonly schema: readonly SchemaPart[];
  /** Every HTTP route the component serves, with the permission it needs. */
  readonly routes: readonly RouteDeclaration[];
  /** Builds the component once the database is migrated and the bus connected; `start()` runs later. */
  readonly create: (config: C, context: ModuleContext) => ServiceComponent | Promise<ServiceComponent>;
}

/** The name of a module instance under `config`. */
export function moduleName<C extends CoreServiceConfig>(module: ServiceModule<C>, config: C): string {
  return typeof module.name === 'string' ? module.name : module.name(config);
}

/** A `shared` for one host: a memo by key. */
export function sharedInstances(): <T>(key: string, make: () => T) => T {
  const instances = new Map<string, unknown>();
  return <T>(key: string, make: () => T): T => {
    if (!instances.has(key)) instances.set(key, make());
    return instances.get(key) as T;
  };
}
