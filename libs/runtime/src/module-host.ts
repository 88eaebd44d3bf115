import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Bus } from '@premonitor/bus';
import type { DatabaseHandle } from '@premonitor/db';
import type { ReadinessCheck, RouteDeclaration } from '@premonitor/http';
import type { Logger } from '@premonitor/log';
import { moduleName, sharedInstances, type CoreServiceConfig, type ModuleContext, type ModuleEnv, type ServiceComponent, type ServiceModule } from './service-module.js';
import type { StopStep } from './stop-in-order.js';
import { assertRoutesDeclared } from './declared-routes.js';
import { registerHostMetrics } from './host-metrics.js';

/** One entry of an embedded host's list: a module bound to the environment its settings are parsed from (see `hosted`). */
export interface HostedModule {
  /** Parses the settings (throws `ConfigError`); returns the instance's name and its builder. */
  configure(): { readonly name: string; readonly routes: readonly RouteDeclaration[]; create(context: ModuleContext): ServiceComponent | Promise<ServiceComponent> };
}

/** A list entry: `module` with its settings parsed from `env`. */
export function hosted<C extends CoreServiceConfig>(module: ServiceModule<C>, env: ModuleEnv): HostedModule {
  return {
    configure: () => {
      const config = module.config(env);
      return { name: moduleName(module, config), routes: module.routes, create: (context) => module.create(config, context) };
    },
  };
}

/** The shared adapters of an embedded host. */
export interface ModuleHostOptions {
  readonly db: DatabaseHandle;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
}

/**
 * Runs a list of modules in one process on shared adapters (embedded mode). Every module's
 * settings are parsed before any is built, so a bad value stops start-up before anything opened.
 * Modules start downstream-first (the list reversed), so nothing an upstream module publishes
 * finds its consumer missing, and stop upstream-first, so each drains into consumers still running.
 */
export class ModuleHost {
  /** Every module's routers, in list order, once `create()` resolved. */
  readonly routers: { readonly path: string; readonly router: Router }[] = [];
  /** Every module's readiness checks, named `{module}-{check}`, once `create()` resolved. */
  readonly readiness: ReadinessCheck[] = [];
  /** Every module's declared routes, once `create()` resolved: the table access control enforces. */
  readonly routes: RouteDeclaration[] = [];
  readonly #options: ModuleHostOptions;
  readonly #created: { readonly name: string; readonly component: ServiceComponent }[] = [];

  /** Registers the host metrics (consumer lag, database) on `options.registry`, as `runModule` does. */
  constructor(options: ModuleHostOptions) {
    this.#options = options;
    registerHostMetrics(options.registry, options);
  }

  /**
   * Parses every module's settings, then builds each component in list order. `modules` are
   * listed upstream first (ingest before inference before fusion …).
   */
  async create(modules: readonly HostedModule[]): Promise<void> {
    const { db, bus, logger, registry } = this.#options;
    const configured = modules.map((m) => m.configure());
    const shared = sharedInstances();
    for (const { name, routes, create } of configured) {
      const component = await create({ db, bus, logger: logger.child({ component: name }), registry, mode: 'embedded', shared, onReload: () => undefined });
      this.#created.push({ name, component });
      // A route served without a declared permission would escape access control: refuse to start.
      assertRoutesDeclared(name, routes, component.routers);
      for (const route of routes) if (!this.routes.some((r) => r.method === route.method && r.path === route.path)) this.routes.push(route);
      this.routers.push(...component.routers);
      this.readiness.push(...component.readiness.map((c) => ({ ...c, name: `${name}-${c.name}` })));
    }
  }

  /** The names of the hosted modules, in list order. */
  get names(): readonly string[] {
    return this.#created.map((c) => c.name);
  }

  /** Starts every component, downstream-first. */
  async start(): Promise<void> {
    for (const { component } of [...this.#created].reverse()) await component.start();
  }

  /** The stop steps, upstream-first, for `stopInOrder`; each module is stopped once. */
  stopSteps(): StopStep[] {
    return this.#created.splice(0).map(({ name, component }) => ({ name, stop: () => component.stop() }));
  }
}
