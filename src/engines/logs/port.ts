/**
 * Log index port: full-text search over the structured logs of every Orbit process.
 */

import { service } from '../../core/service.ts';

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

export interface LogQuery {
  /** Words that must all appear (case-insensitive) in msg or field values. */
  text?: string;
  /** Minimum level. */
  level?: LogLevel;
  service?: string;
  module?: string;
  traceId?: string;
  from?: number;
  to?: number;
  /** Newest first; default 100. */
  limit?: number;
}

export interface LogIndex {
  index(entries: LogEntry[]): Promise<void>;
  search(query: LogQuery): Promise<LogEntry[]>;
  isReady(): boolean;
  close(): Promise<void>;
}

/** The name modules depend on. */
export const LOGS = service<LogIndex>('logs');
