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
import { createLogger, prettyLines } from '../platform/logger.ts';
import { startTracing, traceFields } from '../platform/tracing.ts';
import { startLogForwarding } from '../platform/log-forwarding/index.ts';
import { waitAtMost } from '../lib/wait-at-most.ts';
import { createMetrics, instrumentHttp, instrumentReadiness } from '../platform/metrics.ts';
import { closeEarlyListener, createHttpServer, listenEarly, PROBLEM_JSON } from '../platform/http.ts';
import { problemBody } from '../platform/problem.ts';
import { ModuleGraph, resolveOrder } from '../platform/modules.ts';
import { LOGS } from '../engines/logs/port.ts';
import { isUnavailable } from '../engines/shared/unavailable.ts';
import { modules } from './registry.ts';
import { AccessControl } from '../platform/access.ts';
import { newKey } from '../platform/credentials.ts';
import { ACCESS } from '../components/access/module.ts';

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

/** One process per data directory: embedded engines, like PostgreSQL, must not be opened twice. */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true });
  return lockDir(dataDir, '.orbit.lock').catch((error: unknown) => {
    throw new Error(`data directory ${dataDir} is in use by another Orbit process (${(error as Error).message}); give each process its own ORBIT_DATA_DIR, or real engines`);
  });
}

export async function startOrbit(config: Config, options: { logDestination?: NodeJS.WritableStream } = {}): Promise<OrbitProcess> {
  checkTargets(config.targets);
  const service = config.targets.join(',');
  const tracing = config.tracing ? await startTracing(config, VERSION) : undefined;
  const human = config.logFormat === 'pretty' || (config.logFormat === 'auto' && !options.logDestination && process.stdout.isTTY);
  const { logger, shipper, lines } = createLogger(config.logLevel, service, human ? prettyLines(options.logDestination) : options.logDestination, tracing && traceFields);
  const metrics = createMetrics({ service });
  const forwarding = startLogForwarding(config, { lines, metrics, logger });
  const graph = new ModuleGraph();
  instrumentReadiness(metrics, () => graph.status(), VERSION);
  const readiness = () => {
    const list = graph.status();
    return { ready: list.length > 0 && list.every((m) => m.ready), modules: list };
  };
  // Probes get an answer while modules wait for their engines; everything else is asked to come back.
  const access = new AccessControl({ enabled: config.auth.enabled, allowedHosts: config.auth.allowedHosts });
  const http = await createHttpServer({
    access, logger, maxBodyBytes: config.limits.maxBodyBytes, version: VERSION, isUnavailable, tracing: tracing?.httpPlugin,
    whileStarting: (request, response) => {
      const path = request.url?.split('?')[0];
      if (path === '/healthz') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      const { modules: list } = readiness();
      if (path === '/readyz') return void response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not ready', modules: list }));
      const waiting = list.filter((m) => !m.ready).map((m) => m.name);
      response.writeHead(503, { 'content-type': PROBLEM_JSON, 'retry-after': '1' }).end(JSON.stringify(problemBody(503, `Orbit is starting; waiting for ${waiting.join(', ')}`, { instance: request.url })));
    },
  });
  instrumentHttp(http, metrics);
  // With auth on, every process checks keys and sessions and keeps the audit log.
  const order = resolveOrder(modules, [...config.targets, 'logs', ...(config.auth.enabled ? [ACCESS.name] : [])]);
  // The simulator calls this process over HTTP like any client; without ORBIT_API_KEY it gets a key that lives only in this process's memory.
  const internalKey = config.auth.enabled && !config.auth.apiKey ? newKey('internal').key : undefined;
  // One process per data directory: embedded engines, like PostgreSQL, must not be opened twice.
  const lock = order.some((m) => m.usesDataDir?.(config)) ? await lockDataDir(config.dataDir) : undefined;

  http.get('/healthz', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'The process is alive' } }, () => ({ status: 'ok' }));
  const Readiness = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
    modules: Type.Array(Type.Object({ name: Type.String(), ready: Type.Boolean() })),
  });
  http.get('/readyz', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Ready when every module of this process is (each engine reachable)', response: { 200: Readiness, 503: Readiness } } }, (_request, reply) => {
    const { ready, modules: list } = readiness();
    reply.status(ready ? 200 : 503);
    return { status: ready ? ('ready' as const) : ('not ready' as const), modules: list };
  });
  http.get('/metrics', { config: { access: 'public' },
    schema: { tags: ['operations'], summary: 'Prometheus metrics', response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } } } },
  }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  const stopModules = async () => {
    await graph.stop((module, error) => logger.error({ err: error, module }, 'module failed to stop'));
    await lock?.release();
    // The last spans go out, within a bound: a collector that is away must not hold up the stop.
    if (tracing) await waitAtMost(tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'spans not exported at stop')), 2000);
  };
  // Where this process itself is reached: a wildcard bind address is not one to connect to.
  const urlOf = () => {
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  };
  try {
    await listenEarly(http, config.port, config.host);
    logger.info({ url: urlOf(), modules: order.map((m) => m.name) }, `answering probes on ${urlOf()} while modules start`);
    await graph.start(order, { config, logger, metrics, http, url: urlOf, internalKey });
    const gate = graph.value(ACCESS)?.gate;
    if (gate) access.bind(gate);
    // Every process ships its logs to the index, whatever its targets.
    const logs = graph.value(LOGS);
    if (logs) shipper.attach(logs);
    await http.ready();
  } catch (error) {
    await closeEarlyListener(http).catch(() => undefined);
    await stopModules();
    throw error;
  }
  const url = urlOf();
  logger.info({ node: process.version, version: VERSION, targets: config.targets, modules: order.map((m) => m.name), url, dataDir: config.dataDir }, `Orbit ${VERSION} listening on ${url} (Node ${process.version})`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('shutting down: no new requests; finishing accepted work');
        await closeEarlyListener(http);
        await shipper.detach();
        await stopModules();
        logger.info('stopped');
        await forwarding.stop();
      })()),
  };
}
