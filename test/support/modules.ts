/**
 * One module on its own, as the application would start it: with the values of its
 * dependencies given, and its routes registered on the server handed in.
 */
import type { Deps, Module, ModuleContext, Running } from '../../src/platform/modules.ts';
import type { HttpServer } from '../../src/platform/http.ts';

export async function mountModule<T, D extends Deps>(
  module: Module<T, D>,
  context: Omit<ModuleContext<D>, 'url'> & { url?: () => string },
  http?: HttpServer,
): Promise<Running<T>> {
  const running = await module.start({ url: () => 'http://127.0.0.1:0', ...context });
  const routes = module.routes;
  if (routes && http) await http.register(async (app) => routes(app as HttpServer, running.value, context.config));
  return running;
}
