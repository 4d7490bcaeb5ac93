/**
 * Relational store port: PostgreSQL dialect. The same SQL and migrations run on
 * PGlite (embedded) and PostgreSQL 15+.
 */

import { service } from '../../core/service.ts';
import { EngineUnavailableError } from '../shared/unavailable.ts';

export interface QueryResult<R> {
  rows: R[];
  /** Rows an INSERT, UPDATE, DELETE, MERGE or COPY touched; 0 for other statements. */
  rowCount: number;
}

export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlStore extends SqlExecutor {
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  isReady(): boolean;
  close(): Promise<void>;
}

/**
 * A statement broke a unique constraint (SQLSTATE 23505): the row exists already. Both
 * implementations raise it, so callers tell "taken" from a failure with `instanceof`.
 */
export class UniqueViolationError extends Error {
  readonly code = '23505';
  /** The constraint or index that caught it. */
  readonly constraint: string | undefined;
  /** The server's detail, naming the key, e.g. `Key (id)=(a-1) already exists.` */
  readonly detail: string | undefined;

  constructor(message: string, options: { constraint?: string; detail?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'UniqueViolationError';
    this.constraint = options.constraint;
    this.detail = options.detail;
  }

  /** The error as the port raises it: a unique violation becomes this class, anything else stays as it is. */
  static from<E>(error: E): E | UniqueViolationError {
    const e = error as { code?: unknown; message?: unknown; constraint?: unknown; detail?: unknown; stack?: unknown };
    if (e?.code !== '23505') return error;
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const typed = new UniqueViolationError(String(e.message), { constraint: text(e.constraint), detail: text(e.detail), cause: error });
    if (typeof e.stack === 'string') typed.stack = e.stack.replace(/^[^:\n]*/, typed.name);
    return typed;
  }
}

/**
 * The server cancelled a statement that ran past its statement timeout (SQLSTATE 57014,
 * ORBIT_SQL_STATEMENT_TIMEOUT_MS). An outage as far as callers go: the same work may pass
 * once the server is less loaded, so over HTTP it answers 503 with Retry-After, and the
 * pipeline holds the work and tries it again instead of counting it towards dead letters.
 */
export class StatementTimeoutError extends EngineUnavailableError {
  readonly code = '57014';
  /** What an HTTP client is told: the limit, not the statement. */
  readonly httpDetail: string;

  constructor(engine: string, timeoutMs: number, cause: unknown) {
    super(engine, `${engine} cancelled a statement that ran past the statement timeout of ${timeoutMs} ms (ORBIT_SQL_STATEMENT_TIMEOUT_MS)`, { cause });
    this.httpDetail = `a query ran past the statement timeout of ${timeoutMs} ms (ORBIT_SQL_STATEMENT_TIMEOUT_MS) and was cancelled; retry later or ask for less (a shorter range, a larger step)`;
  }

  /** A statement-timeout cancellation becomes this class; anything else stays as it is. */
  static from<E>(error: E, engine: string, timeoutMs: number): E | StatementTimeoutError {
    const e = error as { code?: unknown; message?: unknown; stack?: unknown };
    if (e?.code !== '57014' || typeof e.message !== 'string' || !/statement timeout/.test(e.message)) return error;
    const typed = new StatementTimeoutError(engine, timeoutMs, error);
    if (typeof e.stack === 'string') typed.stack = e.stack.replace(/^[^\n]*/, `${typed.name}: ${typed.message}`);
    return typed;
  }
}

/** The name modules depend on. */
export const SQL = service<SqlStore>('sql');
