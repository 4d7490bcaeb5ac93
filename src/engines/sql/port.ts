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

/** The name modules depend on. */
export const SQL = service<SqlStore>('sql');
