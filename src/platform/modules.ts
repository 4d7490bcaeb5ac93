/**
 * Modules and targets, in the manner of Grafana Loki: every piece of Orbit is a
 * module with declared dependencies; a target is a module a user can ask for by name.
 * Starting a set of targets starts their dependency closure in order and stops it in
 * reverse.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import type { HttpServer } from './http.ts';
import type { ServiceMap } from './services.ts';

export interface ModuleContext {
  config: Config;
  logger: Logger;
  metrics: Registry;
  http: HttpServer;
  /** The value a dependency's start() returned. Only declared dependencies may be asked for. */
  get<K extends keyof ServiceMap>(name: K): ServiceMap[K];
}

export interface Running<T> {
  value: T;
  /** Polled by /readyz; absent means ready once started. */
  isReady?(): boolean;
  /** Called in reverse start order on shutdown; should finish in-flight work. */
  stop?(): Promise<void>;
}

export interface TargetInfo {
  description: string;
  /** The HTTP routes this target serves when it runs in its own process. */
  routes: string[];
}

export interface Module<K extends keyof ServiceMap = keyof ServiceMap> {
  name: K;
  deps: readonly (keyof ServiceMap)[];
  /** Present when a user may start this module by name. */
  target?: TargetInfo;
  /** Whether it keeps data in ORBIT_DATA_DIR with this config (then the process locks that directory). */
  usesDataDir?(config: Config): boolean;
  start(ctx: ModuleContext): Promise<Running<ServiceMap[K]>>;
}

export function defineModule<K extends keyof ServiceMap>(module: Module<K>): Module<K> {
  return module;
}

/** Dependency closure of the requested names, each after its dependencies. */
export function resolveOrder(all: ReadonlyMap<string, Module>, requested: readonly string[]): Module[] {
  const order: Module[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const module = all.get(name);
    if (!module) throw new Error(`unknown module "${name}"${path.length ? ` (needed by ${path.at(-1)})` : ''}`);
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of module.deps) visit(dep, [...path, name]);
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
  #running: { module: Module; running: Running<unknown> }[] = [];
  #values = new Map<string, unknown>();

  async start(order: readonly Module[], base: Omit<ModuleContext, 'get' | 'logger'> & { logger: Logger }): Promise<void> {
    this.#planned = order.map((m) => m.name);
    for (const module of order) {
      const allowed = new Set<string>(module.deps);
      const ctx: ModuleContext = {
        ...base,
        logger: base.logger.child({ module: module.name }),
        get: (name) => {
          if (!allowed.has(name)) throw new Error(`module "${module.name}" did not declare a dependency on "${name}"`);
          return this.#values.get(name) as never;
        },
      };
      const running = await module.start(ctx);
      this.#values.set(module.name, running.value);
      this.#running.push({ module, running });
    }
  }

  /** What a started module handed out, if it runs in this process. */
  value<K extends keyof ServiceMap>(name: K): ServiceMap[K] | undefined {
    return this.#values.get(name) as ServiceMap[K] | undefined;
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
