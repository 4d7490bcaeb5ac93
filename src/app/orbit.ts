/**
 * One Orbit process: the modules of the requested targets behind one HTTP server
 * with /healthz, /readyz and /metrics.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { lockDir } from '../engines/storage/lock.ts';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { Config } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { createMetrics, instrumentHttp } from '../platform/metrics.ts';
import { createHttpServer } from '../platform/http.ts';
import { ModuleGraph, resolveOrder } from '../platform/modules.ts';
import { modules } from './registry.ts';

export const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

export interface OrbitProcess {
  url: string;
  logger: Logger;
  stop(): Promise<void>;
}

export class UnknownTargetError extends Error {}

export function checkTargets(targets: string[]): void {
  const unknown = targets.filter((t) => !modules.get(t)?.target);
  if (unknown.length || !targets.length) {
    const known = [...modules.values()].filter((m) => m.target).map((m) => m.name);
    throw new UnknownTargetError(`unknown target(s): ${unknown.join(', ') || '(none given)'}; known targets: ${known.join(', ')}`);
  }
}

export async function startOrbit(config: Config, options: { logDestination?: NodeJS.WritableStream } = {}): Promise<OrbitProcess> {
  checkTargets(config.targets);
  const service = config.targets.join(',');
  const { logger, shipper } = createLogger(config.logLevel, service, options.logDestination);
  const metrics = createMetrics({ service });
  const http = await createHttpServer({ logger, maxBodyBytes: config.limits.maxBodyBytes, version: VERSION });
  instrumentHttp(http, metrics);
  const graph = new ModuleGraph();
  // One process per data directory: PGlite, like PostgreSQL, must not be opened twice.
  await mkdir(config.dataDir, { recursive: true });
  const lock = await lockDir(config.dataDir, '.orbit.lock').catch((error: unknown) => {
    throw new Error(`data directory ${config.dataDir} is in use by another Orbit process (${(error as Error).message})`);
  });

  http.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is alive' } }, () => ({ status: 'ok' }));
  const Readiness = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
    modules: Type.Array(Type.Object({ name: Type.String(), ready: Type.Boolean() })),
  });
  http.get('/readyz', { schema: { tags: ['operations'], summary: 'Ready when every module of this process is', response: { 200: Readiness, 503: Readiness } } }, (_request, reply) => {
    const list = graph.status();
    const ready = list.length > 0 && list.every((m) => m.ready);
    reply.status(ready ? 200 : 503);
    return { status: ready ? ('ready' as const) : ('not ready' as const), modules: list };
  });
  http.get('/metrics', {
    schema: { tags: ['operations'], summary: 'Prometheus metrics', response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } } } },
  }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  // Every process ships its logs to the index, whatever its targets.
  const order = resolveOrder(modules, [...config.targets, 'logs']);
  const stopModules = async () => {
    await graph.stop((module, error) => logger.error({ err: error, module }, 'module failed to stop'));
    await lock.release();
  };
  try {
    await graph.start(order, { config, logger, metrics, http });
    const logs = graph.value('logs');
    if (logs) shipper.attach(logs);
    await http.listen({ port: config.port, host: config.host });
  } catch (error) {
    await http.close().catch(() => undefined);
    await stopModules();
    throw error;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ node: process.version, version: VERSION, targets: config.targets, modules: order.map((m) => m.name), url, dataDir: config.dataDir }, `Orbit ${VERSION} listening on ${url} (Node ${process.version})`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('shutting down: no new requests; finishing accepted work');
        await http.close();
        await shipper.detach();
        await stopModules();
        logger.info('stopped');
      })()),
  };
}
