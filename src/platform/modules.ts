/**
 * Modules and targets, in the manner of Grafana Loki: every piece of Orbit is a
 * module with declared dependencies; a target is a module a user can ask for by name.
 * Starting a set of targets starts their dependency closure in order and stops it in
 * reverse. A module's routes are a Fastify plugin the application registers once the
 * module has started, so no module touches the root server.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Service } from '../core/service.ts';
import type { Config } from './config.ts';
import type { HttpServer } from './http.ts';

/** What a module depends on: a name for each service it uses. */
export type Deps = Readonly<Record<string, Service<unknown>>>;
export type Resolved<D extends Deps> = { [K in keyof D]: D[K] extends Service<infer T> ? T : never };

export interface ModuleContext<D extends Deps = Deps> {
  config: Config;
  logger: Logger;
  metrics: Registry;
  /** The values the declared dependencies handed out. */
  deps: Resolved<D>;
  /** This process's own base URL (valid once it listens, which is before any module starts). */
  url(): string;
  /**
   * With auth on and no ORBIT_API_KEY: a credential this process made for calling itself
   * (its simulator), held in memory only and accepted by this process only.
   */
  internalKey?: string;
}

export interface Running<T> {
  /** Handed to dependents, and to the module's routes. */
  value: T;
  /** Polled by /readyz; absent means ready once started. */
  isReady?(): boolean;
  /** Called in reverse start order on shutdown; should finish in-flight work. */
  stop?(): Promise<void>;
}

/**
 * A module's HTTP routes, registered as an encapsulated plugin with what start() handed
 * out. Registering must not use `value`: `orbit targets` lists the routes of modules it
 * never starts.
 */
export type Routes<T> = (app: HttpServer, value: T, config: Config) => void | Promise<void>;

export interface Module<T = unknown, D extends Deps = Deps> {
  name: string;
  deps: D;
  /** Present when a user may start this module by name. */
  target?: { description: string };
  /** Whether it keeps data in ORBIT_DATA_DIR with this config (then the process locks that directory). */
  usesDataDir?(config: Config): boolean;
  start(ctx: ModuleContext<D>): Promise<Running<T>>;
  routes?: Routes<T>;
}

type Definition<T, D extends Deps> = Omit<Module<T, D>, 'name' | 'deps'> & ({ name: string; provides?: never } | { provides: Service<T>; name?: never }) & { deps?: D };

/** A module; one that hands out a service is named after it. */
export function defineModule<T = void, D extends Deps = Record<never, never>>(definition: Definition<T, D>): Module<T, D> {
  const { provides, name, deps, ...rest } = definition;
  return { ...rest, name: provides?.name ?? name!, deps: (deps ?? {}) as D };
}

// Modules are stored side by side whatever their types; `start` checks each context against its own module.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any, any>;

/** Dependency closure of the requested names, each after its dependencies. */
export function resolveOrder(all: ReadonlyMap<string, AnyModule>, requested: readonly string[]): AnyModule[] {
  const order: AnyModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const module = all.get(name);
    if (!module) throw new Error(`unknown module "${name}"${path.length ? ` (needed by ${path.at(-1)})` : ''}`);
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of Object.values(module.deps as Deps)) visit(dep.name, [...path, name]);
    state.set(name, 'done');
    order.push(module);
  };
  for (const name of requested) visit(name, []);
  return order;
}

export interface ModuleStatus {
  name: string;
  ready: boolean;
}

/** The running modules of one process. */
export class ModuleGraph {
  #planned: string[] = [];
  #running: { module: AnyModule; running: Running<unknown> }[] = [];
  #values = new Map<string, unknown>();

  /** Starts each module in order; with `http`, registers each one's routes on it. */
  async start(order: readonly AnyModule[], base: Omit<ModuleContext, 'deps'> & { http?: HttpServer }): Promise<void> {
    this.#planned = order.map((m) => m.name);
    for (const module of order) {
      const deps = Object.fromEntries(Object.entries(module.deps as Deps).map(([key, dep]) => [key, this.#values.get(dep.name)]));
      const { http, ...rest } = base;
      const running = await module.start({ ...rest, logger: base.logger.child({ module: module.name }), deps });
      this.#values.set(module.name, running.value);
      this.#running.push({ module, running });
      const routes = module.routes;
      if (routes && http) await http.register(async (app) => routes(app as HttpServer, running.value, base.config));
    }
  }

  /** What a started module handed out, if it runs in this process. */
  value<T>(service: Service<T>): T | undefined {
    return this.#values.get(service.name) as T | undefined;
  }

  /** Every module of the process; one still starting (waiting for its engine, say) is not ready. */
  status(): ModuleStatus[] {
    return this.#planned.map((name) => {
      const started = this.#running.find(({ module }) => module.name === name);
      return { name, ready: started ? (started.running.isReady?.() ?? true) : false };
    });
  }

  /** Stops every module in reverse order; one module's failure does not stop the others from stopping. */
  async stop(onError: (module: string, error: unknown) => void): Promise<void> {
    for (const { module, running } of this.#running.toReversed()) {
      try {
        await running.stop?.();
      } catch (error) {
        onError(module.name, error);
      }
    }
    this.#running = [];
    this.#planned = [];
  }
}
