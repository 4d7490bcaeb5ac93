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
  if (!module.routes) return [];
  const routes: string[] = [];
  const http = await createHttpServer({ logger: pino({ enabled: false }), maxBodyBytes: config.limits.maxBodyBytes, version: '' });
  const plugin = module.routes;
  await http.register(async (app) => {
    // Inside the plugin's own context, so the server's own routes (/docs, ...) are not counted.
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // Fastify adds HEAD for every GET by itself.
        if (method !== 'HEAD') routes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      }
    });
    await plugin(app as never, notStarted, config);
  });
  // Never listened, so nothing to close (closing would run the plugins' close hooks).
  await http.ready();
  return routes;
}
