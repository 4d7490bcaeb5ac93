/**
 * Databases of their own on the real PostgreSQL (ORBIT_SQL_URL) for tests, dropped after
 * the test file whether its tests passed or not.
 */
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { realEngine } from './engines.ts';

export const SERVER_URL = realEngine('ORBIT_SQL_URL');

export async function asOrbit<T>(work: (client: pg.Client) => Promise<T>, url = SERVER_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface Database {
  url: string;
  drop(): Promise<void>;
}

const created = new Set<string>();

export async function freshDatabase(): Promise<Database> {
  const name = `orbit_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await asOrbit((c) => c.query(`CREATE DATABASE ${name}`));
  created.add(name);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await asOrbit((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      created.delete(name);
    },
  };
}

/** A migrated-or-not relational store on a database of its own, and how to be rid of both. */
export async function postgresStoreOnFreshDatabase(): Promise<{ sql: PostgresStore; cleanup(): Promise<void> }> {
  const db = await freshDatabase();
  const sql = await PostgresStore.open(db.url);
  return {
    sql,
    cleanup: async () => {
      await sql.close();
      await db.drop();
    },
  };
}

// Databases of tests that failed half-way are dropped all the same.
after(async () => {
  for (const name of created) await asOrbit((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

