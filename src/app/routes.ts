/**
 * The routes a target serves, read from the plugins it registers (never typed twice):
 * `orbit targets` prints them and an ingress routes by them. Nothing is started: each
 * plugin registers on a server that never listens, with a value that must not be used.
 */
import pino from 'pino';
import type { Config } from '../platform/config.ts';
import { createHttpServer } from '../platform/http.ts';
import type { AnyModule } from '../platform/modules.ts';

const notStarted = new Proxy({}, {
  get(_target, property) {
    throw new Error(`a module's routes used its value (.${String(property)}) while registering; use it in handlers only`);
  },
});

/** `METHOD /path/{param}` for every route the module registers, in registration order. */
export async function routesOf(module: AnyModule, config: Config): Promise<string[]> {
  return (await routeEntries(module, config)).map((r) => `${r.method} ${r.path}`);
}

/** Every route the module registers with the access it declares, in registration order. */
export async function routeEntries(module: AnyModule, config: Config): Promise<{ method: string; path: string; access: string }[]> {
  if (!module.routes) return [];
  const routes: { method: string; path: string; access: string }[] = [];
  const http = await createHttpServer({ logger: pino({ enabled: false }), maxBodyBytes: config.limits.maxBodyBytes, version: '' });
  const plugin = module.routes;
  await http.register(async (app) => {
    // Inside the plugin's own context, so the server's own routes (/docs, ...) are not counted.
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // Fastify adds HEAD for every GET by itself.
        if (method !== 'HEAD') routes.push({ method, path: route.url.replace(/:(\w+)/g, '{$1}'), access: String((route.config as { access?: unknown } | undefined)?.access) });
      }
    });
    await plugin(app as never, notStarted, config);
  });
  // Never listened, so nothing to close (closing would run the plugins' close hooks).
  await http.ready();
  return routes;
}

export interface TargetRoute {
  method: string;
  /** `/v1/alerts/{id}`, as `orbit targets` prints it. */
  path: string;
  /** The same path as an anchored regular expression: `{param}` is one segment, a trailing `*` anything. */
  pattern: string;
  target: string;
}

/** Regular-expression source of a route path, anchored, that JavaScript and PCRE (nginx) read alike. */
export function pathPattern(path: string): string {
  const wildcard = path.endsWith('*');
  const body = (wildcard ? path.slice(0, -1) : path)
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return `^${body}${wildcard ? '.*' : ''}$`;
}

/**
 * Every route of every target, targets in registry order: what an ingress routes by (the
 * first route that matches a request's method and path names its target; no match goes to
 * the console). Computed, never typed: the test gateway and the compose ingress use it.
 */
export async function routeTable(targets: readonly AnyModule[], config: Config): Promise<TargetRoute[]> {
  const table: TargetRoute[] = [];
  for (const module of targets) {
    for (const route of await routesOf(module, config)) {
      const [method, path] = route.split(' ') as [string, string];
      table.push({ method, path, pattern: pathPattern(path), target: module.name });
    }
  }
  return table;
}

/** The target that serves a request, by the table above; undefined when no route matches. */
export function routeTarget(table: readonly TargetRoute[], method: string, path: string): string | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return table.find((r) => r.method === m && compiled(r.pattern).test(path))?.target;
}

const patterns = new Map<string, RegExp>();
const compiled = (pattern: string): RegExp => patterns.get(pattern) ?? patterns.set(pattern, new RegExp(pattern)).get(pattern)!;
