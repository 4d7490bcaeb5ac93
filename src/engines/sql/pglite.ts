/**
 * Relational store on PGlite: PostgreSQL compiled to WebAssembly, in this process,
 * persisted under a directory.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { UniqueViolationError, type QueryResult, type SqlExecutor, type SqlStore } from './port.ts';
import { pgliteOptions } from './pglite-options.ts';
import { syncTree } from './pglite-durable-fs.ts';

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const result = await db.query<R>(sql, params).catch((error: unknown) => Promise.reject(UniqueViolationError.from(error)));
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql).catch((error: unknown) => Promise.reject(UniqueViolationError.from(error)));
    },
  };
}

export class PgliteStore implements SqlStore {
  readonly #db: PGlite;
  readonly #executor: SqlExecutor;
  #open = true;

  private constructor(db: PGlite) {
    this.#db = db;
    this.#executor = executor(db);
  }

  /** `dir` undefined keeps the database in memory (tests). */
  static async open(dir?: string): Promise<PgliteStore> {
    if (!dir) return new PgliteStore(await PGlite.create(pgliteOptions(dir)));
    await mkdir(dir, { recursive: true });
    const created = !existsSync(path.join(dir, 'PG_VERSION'));
    const db = await PGlite.create(pgliteOptions(dir));
    if (created) syncTree(dir);
    return new PgliteStore(db);
  }

  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.#executor.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.#executor.exec(sql);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) => fn(executor(tx)));
  }

  isReady(): boolean {
    return this.#open && !this.#db.closed;
  }

  async close(): Promise<void> {
    this.#open = false;
    if (!this.#db.closed) await this.#db.close();
  }
}
