/**
 * ORBIT_SQL_STATEMENT_TIMEOUT_MS on a real PostgreSQL server: every pooled session runs
 * under it, a statement past it (running or waiting for a lock) is cancelled and rejects
 * with StatementTimeoutError, which HTTP answers 503 with Retry-After as problem+json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { isUnavailable } from '../../src/engines/shared/unavailable.ts';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { StatementTimeoutError } from '../../src/engines/sql/port.ts';
import { PostgresStore } from '../../src/engines/sql/postgres.ts';
import { createHttpServer } from '../../src/platform/http.ts';
import { MissionCatalog } from '../../src/stores/missions/catalog.ts';
import { freshDatabase } from '../support/postgres.ts';

const TIMEOUT_MS = 300;

describe('statement timeout on PostgreSQL', { concurrency: 1 }, () => {
  it('cancels a statement that runs past it, and the store goes on answering', async () => {
    const db = await freshDatabase();
    const store = await PostgresStore.open(db.url, { statementTimeoutMs: TIMEOUT_MS });
    try {
      assert.deepEqual((await store.query('SHOW statement_timeout')).rows, [{ statement_timeout: `${TIMEOUT_MS}ms` }]);
      const started = Date.now();
      await assert.rejects(store.query('SELECT pg_sleep(5)'), (e: Error) => {
        assert.ok(e instanceof StatementTimeoutError, String(e));
        assert.equal(e.code, '57014');
        assert.match(e.message, /statement timeout of 300 ms \(ORBIT_SQL_STATEMENT_TIMEOUT_MS\)/);
        assert.ok(isUnavailable(e), 'a timeout is waited out and answered 503, not counted as bad work');
        return true;
      });
      assert.ok(Date.now() - started < 4000, 'cancelled well before the statement would have ended');
      // Inside a transaction too; the transaction is rolled back and the connection serves again.
      await store.exec('CREATE TABLE t_slow (id int PRIMARY KEY)');
      await assert.rejects(store.transaction(async (tx) => {
        await tx.query('INSERT INTO t_slow VALUES (1)');
        await tx.query('SELECT pg_sleep(5)');
      }), StatementTimeoutError);
      assert.deepEqual((await store.query('SELECT count(*)::int AS n FROM t_slow')).rows, [{ n: 0 }]);
      assert.equal(store.isReady(), true);
      // Migrations run without the limit: a process waiting behind another's is not cancelled.
      const blocker = await PostgresStore.open(db.url);
      try {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let held!: () => void;
        const isHeld = new Promise<void>((resolve) => (held = resolve));
        const holding = blocker.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(7246001)');
          held();
          await released;
        });
        await isHeld;
        const migrating = migrate(store);
        setTimeout(release, TIMEOUT_MS * 3);
        await holding;
        assert.ok((await migrating).length > 0, 'the migration waited past the timeout and ran');
      } finally {
        await blocker.close();
      }
      // Without a limit the same statement finishes.
      const unlimited = await PostgresStore.open(db.url);
      try {
        assert.deepEqual((await unlimited.query('SELECT 1 AS x FROM pg_sleep(0.5)')).rows, [{ x: 1 }]);
      } finally {
        await unlimited.close();
      }
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('a store method stuck behind a lock past the timeout answers 503 with Retry-After over HTTP, never 500', async () => {
    const db = await freshDatabase();
    const store = await PostgresStore.open(db.url, { statementTimeoutMs: TIMEOUT_MS });
    const holder = await PostgresStore.open(db.url);
    const http = await createHttpServer({ logger: pino({ level: 'silent' }), maxBodyBytes: 1024, version: 'test', isUnavailable });
    try {
      await migrate(store);
      const catalog = new MissionCatalog(store);
      await catalog.createMission({ id: 'm1', name: 'One' });
      http.patch('/missions/:id', { config: { access: 'public' } }, async (request) => catalog.updateMission((request.params as { id: string }).id, { name: 'Renamed' }));
      await http.ready();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      // Another session holds the mission's row for longer than the timeout.
      const holding = holder.transaction(async (tx) => {
        await tx.query("SELECT 1 FROM missions WHERE id = 'm1' FOR UPDATE");
        locked();
        await released;
      });
      await isLocked;
      const answer = await http.inject({ method: 'PATCH', url: '/missions/m1' });
      release();
      await holding;
      assert.equal(answer.statusCode, 503, answer.body);
      assert.equal(answer.headers['retry-after'], '1');
      assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
      const problem = answer.json();
      assert.equal(problem.status, 503);
      assert.match(problem.detail, /statement timeout of 300 ms \(ORBIT_SQL_STATEMENT_TIMEOUT_MS\)/);
      // Once the lock is gone the same request goes through.
      assert.equal((await http.inject({ method: 'PATCH', url: '/missions/m1' })).statusCode, 200);
    } finally {
      await http.close();
      await holder.close();
      await store.close();
      await db.drop();
    }
  });
});
