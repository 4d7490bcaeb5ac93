/**
 * Relational store port: PostgreSQL dialect. The same SQL and migrations run on
 * PGlite (embedded) and PostgreSQL 15+.
 */

import { service } from '../../core/service.ts';

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

/** The name modules depend on. */
export const SQL = service<SqlStore>('sql');
