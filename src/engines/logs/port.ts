/**
 * Log index port: full-text search over the structured logs of every Orbit process.
 */

import type { LogEntry, LogLevel } from '../../core/log-entry.ts';
import { service } from '../../core/service.ts';

export type { LogEntry, LogLevel } from '../../core/log-entry.ts';

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
