/**
 * Applies the numbered .sql files of ./migrations once each, in order. The same files
 * run on PGlite and PostgreSQL.
 *
 * Several processes may start at once and all migrate. Everything, the bookkeeping table
 * included, happens in one transaction behind a transaction-scoped advisory lock: the
 * first process applies the files, the others wait for it and then find nothing to do.
 * (Two concurrent `CREATE TABLE IF NOT EXISTS` can both miss the other's table and one
 * then fails on the catalog's unique index; behind the lock they cannot.) The lock is
 * released by the commit or rollback itself, so a process that dies mid-way leaves
 * nothing held, and a failing file leaves the database as it was.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqlStore } from './port.ts';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
/** Advisory locks are per database, so this key serialises only the migrations of one database. */
const LOCK_KEY = 7_246_001;

export async function migrate(store: SqlStore): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const sources = await Promise.all(files.map(async (file) => ({ version: file.replace(/\.sql$/, ''), sql: await readFile(path.join(MIGRATIONS_DIR, file), 'utf8') })));
  return store.transaction(async (tx) => {
    // A migration may rewrite a large table, and the processes behind the lock wait for it:
    // neither is cut short by ORBIT_SQL_STATEMENT_TIMEOUT_MS, which is for requests.
    await tx.exec('SET LOCAL statement_timeout = 0');
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const { version, sql } of sources) {
      if (done.has(version)) continue;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      applied.push(version);
    }
    return applied;
  });
}
