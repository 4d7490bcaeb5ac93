/**
 * A command's one question to the application (`orbit replay`, `orbit detect --channel`):
 * the modules it needs (engines, stores) started in this process, with the data
 * directory locked as `orbit start` locks it, and stopped again whatever happens.
 */
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../platform/config.ts';
import { ModuleGraph, resolveOrder } from '../platform/modules.ts';
import { lockDataDir } from './orbit.ts';
import { modules } from './registry.ts';

export async function withModules<T>(config: Config, logger: Logger, names: string[], task: (graph: ModuleGraph) => Promise<T>): Promise<T> {
  const order = resolveOrder(modules, names);
  const lock = order.some((m) => m.usesDataDir?.(config)) ? await lockDataDir(config.dataDir) : undefined;
  const graph = new ModuleGraph();
  try {
    await graph.start(order, { config, logger, metrics: new Registry(), url: () => '' });
    return await task(graph);
  } finally {
    await graph.stop((module, error) => logger.error({ err: error, module }, 'module failed to stop'));
    await lock?.release();
  }
}
