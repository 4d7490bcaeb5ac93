/**
 * Log forwarding from config: to Loki when ORBIT_LOKI_URL is set, to Logstash when
 * ORBIT_LOGSTASH_URL is set, to both when both are. Each backend has its own bounded
 * forwarder, so one that is away neither holds up nor costs the other its lines.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import { maskSecret } from '../config.ts';
import type { LogLines } from '../logger.ts';
import { BatchForwarder, type ForwarderOptions } from './forwarder.ts';
import { lokiEntry, logstashLine, type Origin } from './lines.ts';
import { lokiTransport, type LokiEntry } from './loki.ts';
import { logstashTransport } from './logstash.ts';
import { forwardMetrics, type Backend } from './metrics.ts';

export interface LogForwarding {
  /** The backends lines go to. */
  readonly backends: Backend[];
  /** A last flush of every forwarder, bounded by `budgetMs` together. */
  stop(budgetMs?: number): Promise<void>;
}

export function startLogForwarding(
  config: Pick<Config, 'serviceName' | 'targets' | 'logForwarding'>,
  deps: { lines: LogLines; metrics: Registry; logger: Logger },
  options: ForwarderOptions = {},
): LogForwarding {
  const { lokiUrl, logstashUrl } = config.logForwarding;
  const origin: Origin = { service: config.serviceName, target: config.targets.join(',') };
  const log = deps.logger.child({ module: 'log-forwarding' });
  const started: { backend: Backend; forwarder: BatchForwarder<LokiEntry> | BatchForwarder<string>; remove: () => void }[] = [];
  const backends = [...(lokiUrl ? ['loki' as const] : []), ...(logstashUrl ? ['logstash' as const] : [])];
  if (!backends.length) return { backends, stop: async () => undefined };

  const byName = new Map<Backend, { buffered: () => number }>();
  const metrics = forwardMetrics(deps.metrics, backends.map((backend) => ({ backend, buffered: () => byName.get(backend)?.buffered() ?? 0 })));
  // Reported once per change, never per failed try. The warning is itself a log line, queued like any other: it cannot recurse.
  const availability = (backend: Backend, where: string) => (available: boolean, error?: unknown) => {
    if (available) log.info({ backend }, `log forwarding to ${where} resumed`);
    else log.warn({ backend, err: { message: (error as Error)?.message } }, `log forwarding to ${where} failing; buffering (bounded) and retrying with backoff`);
  };

  if (lokiUrl) {
    const where = `Loki (${maskSecret('ORBIT_LOKI_URL', lokiUrl)})`;
    const forwarder = new BatchForwarder<LokiEntry>(options, { ...metrics.events('loki'), availability: availability('loki', where) });
    forwarder.start(lokiTransport({ url: lokiUrl, ...origin }));
    byName.set('loki', { buffered: () => forwarder.buffered });
    started.push({ backend: 'loki', forwarder, remove: deps.lines.add((record, line) => forwarder.push(lokiEntry(record, line))) });
  }
  if (logstashUrl) {
    const where = `Logstash (${logstashUrl})`;
    const forwarder = new BatchForwarder<string>(options, { ...metrics.events('logstash'), availability: availability('logstash', where) });
    const transport = logstashTransport({ url: logstashUrl, onUndelivered: (lines) => forwarder.requeue(lines) });
    forwarder.start(transport);
    byName.set('logstash', { buffered: () => forwarder.buffered + transport.inDoubt });
    started.push({ backend: 'logstash', forwarder, remove: deps.lines.add((record) => forwarder.push(logstashLine(record, origin))) });
  }
  log.info({ backends }, `forwarding logs to ${backends.join(' and ')}`);

  let stopping: Promise<void> | undefined;
  return {
    backends,
    stop: (budgetMs = 2000) =>
      (stopping ??= (async () => {
        for (const s of started) s.remove();
        await Promise.all(started.map((s) => s.forwarder.stop(budgetMs)));
      })()),
  };
}
