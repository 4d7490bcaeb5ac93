/** One structured log line of an Orbit process, as shipped to the log index and searched there. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogEntry {
  /** Epoch milliseconds. */
  time: number;
  level: LogLevel;
  msg: string;
  /** Which Orbit process (its targets, e.g. "all" or "ingest,processor"). */
  service: string;
  /** The module that wrote it, e.g. "processor". */
  module?: string;
  traceId?: string;
  spanId?: string;
  /** Any other structured fields; their string values are searchable too. */
  fields?: Record<string, unknown>;
}
