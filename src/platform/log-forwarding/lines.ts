/**
 * What each backend is sent for one log record: Loki gets the JSON line as written, with
 * its time in nanoseconds and its level for the stream label; Logstash gets a JSON object
 * in the shape its pipeline (deploy/logstash/pipeline/orbit.conf) reads.
 */
import type { LogRecord } from '../logger.ts';
import { lokiTimestamp, type LokiEntry } from './loki.ts';

export interface Origin {
  /** The process's service name (config.serviceName). */
  service: string;
  /** Its targets, comma-separated. */
  target: string;
}

function timeOf(record: LogRecord): number {
  return typeof record.time === 'number' && Number.isFinite(record.time) ? record.time : Date.now();
}

export function lokiEntry(record: LogRecord, line: string): LokiEntry {
  return { ns: lokiTimestamp(timeOf(record)), level: typeof record.level === 'string' ? record.level : 'info', line };
}

/**
 * `@timestamp` (ISO 8601), `message`, `level`, `service`, `target`, `trace_id` and `span_id`
 * when present, and every other field of the line as it is (module among them); pino's
 * `pid` and `hostname`, and its own `service` (the targets again), are left out.
 */
export function logstashLine(record: LogRecord, origin: Origin): string {
  const { time: _time, level, msg, service: _service, pid: _pid, hostname: _hostname, trace_id, span_id, ...fields } = record;
  return JSON.stringify({
    ...fields,
    '@timestamp': new Date(timeOf(record)).toISOString(),
    message: typeof msg === 'string' ? msg : '',
    level: typeof level === 'string' ? level : 'info',
    service: origin.service,
    target: origin.target,
    ...(typeof trace_id === 'string' && { trace_id }),
    ...(typeof span_id === 'string' && { span_id }),
  });
}
