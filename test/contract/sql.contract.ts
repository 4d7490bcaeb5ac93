/**
 * Contract of the relational store port. Every implementation runs this suite
 * unchanged: the embedded PGlite stores and a PostgreSQL 15+ adapter alike, so it
 * asserts only what PostgreSQL itself guarantees, never an engine's timing.
 *
 * `open` gives a fresh, empty database. `reopen` is only called after `store.close()`
 * and returns a new store over the same data. `cleanup` closes whatever is still open
 * and removes the data. Opening is slow on embedded engines, so most tests share one
 * store and keep to tables of their own.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { UniqueViolationError, type QueryResult, type SqlStore } from '../../src/engines/sql/port.ts';

export interface SqlHarness {
  store: SqlStore;
  reopen: () => Promise<SqlStore>;
  cleanup: () => Promise<void>;
}

const MIGRATIONS_DIR = path.join(import.meta.dirname, '../../src/engines/sql/migrations');

interface DbError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
}

function isDbError(e: unknown): e is DbError {
  return e instanceof Error;
}

async function count(store: SqlStore, table: string, where = 'true'): Promise<number> {
  const { rows } = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`);
  return rows[0].n;
}

export function sqlContract(name: string, open: () => Promise<SqlHarness>): void {
  // Sequential even under a concurrent parent: the tests below share one store.
  describe(`relational store contract: ${name}`, { concurrency: 1 }, () => {
    it('migrates once, finishes a transaction in progress on close, and keeps data across reopen', async () => {
      const h = await open();
      try {
        const store = h.store;
        assert.equal(store.isReady(), true);
        const versions = (await readdir(MIGRATIONS_DIR))
          .filter((f) => f.endsWith('.sql'))
          .sort()
          .map((f) => f.replace(/\.sql$/, ''));
        assert.ok(versions.length >= 4);
        assert.deepEqual(await migrate(store), versions);
        assert.deepEqual(await migrate(store), []);

        await store.query("INSERT INTO missions (id, name) VALUES ('m-1', 'Deep Space Relay')");
        let inside!: () => void;
        const started = new Promise<void>((resolve) => (inside = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const pending = store.transaction(async (tx) => {
          await tx.query("INSERT INTO spacecraft (id, mission_id, name) VALUES ('sc-1', 'm-1', 'Relay One')");
          inside();
          await gate;
          await tx.query("INSERT INTO spacecraft (id, mission_id, name) VALUES ('sc-2', 'm-1', 'Relay Two')");
          return 'committed';
        });
        await started;
        const closing = store.close();
        assert.equal(store.isReady(), false);
        release();
        assert.equal(await pending, 'committed');
        await closing;
        assert.equal(store.isReady(), false);
        await assert.rejects(store.query('SELECT 1'));

        const again = await h.reopen();
        assert.equal(again.isReady(), true);
        assert.deepEqual(await migrate(again), []);
        const { rows } = await again.query<{ id: string; created_at: Date }>('SELECT id, created_at FROM spacecraft ORDER BY id');
        assert.deepEqual(
          rows.map((r) => r.id),
          ['sc-1', 'sc-2'],
        );
        assert.ok(rows.every((r) => r.created_at instanceof Date));
        const applied = await again.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(
          applied.rows.map((r) => r.version),
          versions,
        );
        await again.close();
        assert.equal(again.isReady(), false);
      } finally {
        await h.cleanup();
      }
    });

    describe('on a shared store', () => {
      let h: SqlHarness;
      let store: SqlStore;
      before(async () => {
        h = await open();
        store = h.store;
      });
      after(async () => {
        await h?.cleanup();
      });

      it('round-trips text, float8, int, bool and null parameters', async () => {
        await store.exec('CREATE TABLE p_scalars (id int PRIMARY KEY, t text, f float8, i int, b bool, n text)');
        const rows = [
          { id: 1, t: 'plain', f: 1.5, i: 42, b: true, n: null },
          { id: 2, t: 'quotes \' " and \\ backslash, {braces}, commas; -- not a comment', f: -0.000123, i: -7, b: false, n: null },
          { id: 3, t: 'ünïcødé 🚀 \u00a0', f: 1e300, i: 2147483647, b: true, n: null },
          { id: 4, t: '', f: 0, i: -2147483648, b: false, n: null },
        ];
        for (const r of rows) {
          const result = await store.query('INSERT INTO p_scalars (id, t, f, i, b, n) VALUES ($1, $2, $3, $4, $5, $6)', [r.id, r.t, r.f, r.i, r.b, r.n]);
          assert.equal(result.rowCount, 1);
        }
        assert.deepEqual((await store.query('SELECT id, t, f, i, b, n FROM p_scalars ORDER BY id')).rows, rows);
        // Parameters are values, never SQL: the comment and quotes above stayed text.
        assert.deepEqual((await store.query<{ id: number }>('SELECT id FROM p_scalars WHERE t = $1 AND b = $2', [rows[1].t, false])).rows, [{ id: 2 }]);
        assert.deepEqual((await store.query('SELECT $1::text IS NULL AS is_null, $2::float8 * 2 AS twice', [null, 2.25])).rows, [{ is_null: true, twice: 4.5 }]);
      });

      it('takes text[] and float8[] parameters, nulls included, through unnest, and returns arrays', async () => {
        await store.exec('CREATE TABLE p_arrays (pos int PRIMARY KEY, name text, value float8)');
        const names = ['a', 'b,c', 'd"e', '{f}', 'g\\h', null, 'NULL', '', 'ünï 🚀'];
        const values = [1.25, null, -3, 1e-10, 0, 5, 6, 7, 8];
        const positions = names.map((_, i) => i);
        const result = await store.query('INSERT INTO p_arrays (pos, name, value) SELECT * FROM unnest($1::int[], $2::text[], $3::float8[])', [positions, names, values]);
        assert.equal(result.rowCount, names.length);
        const { rows } = await store.query<{ pos: number; name: string | null; value: number | null }>('SELECT pos, name, value FROM p_arrays ORDER BY pos');
        assert.deepEqual(
          rows.map((r) => r.name),
          names,
        );
        assert.deepEqual(
          rows.map((r) => r.value),
          values,
        );

        const back = await store.query<{ t: (string | null)[]; f: (number | null)[]; e: string[] }>('SELECT $1::text[] AS t, $2::float8[] AS f, $3::text[] AS e', [names, values, []]);
        assert.deepEqual(back.rows, [{ t: names, f: values, e: [] }]);
        const agg = await store.query<{ names: (string | null)[] }>('SELECT array_agg(name ORDER BY pos) AS names FROM p_arrays WHERE pos < 3');
        assert.deepEqual(agg.rows[0].names, ['a', 'b,c', 'd"e']);
      });

      it('stores jsonb objects and gives back objects', async () => {
        await store.exec('CREATE TABLE p_json (id int PRIMARY KEY, doc jsonb NOT NULL)');
        const doc = {
          name: 'Voyager 1',
          launched: 1977,
          active: true,
          retired: null,
          ratio: 0.125,
          nested: { list: [1, 'two', { three: 3 }, null], empty: {}, none: [] },
          text: 'ünï "quoted" \\ 🚀',
        };
        await store.query('INSERT INTO p_json (id, doc) VALUES ($1, $2)', [1, doc]);
        await store.query('INSERT INTO p_json (id, doc) VALUES ($1, $2::jsonb)', [2, JSON.stringify({ name: 'Pioneer 10' })]);
        const { rows } = await store.query<{ id: number; doc: unknown }>('SELECT id, doc FROM p_json ORDER BY id');
        assert.deepEqual(rows, [
          { id: 1, doc },
          { id: 2, doc: { name: 'Pioneer 10' } },
        ]);
        const found = await store.query<{ id: number; name: string; first: unknown }>("SELECT id, doc->>'name' AS name, doc->'nested'->'list'->2 AS first FROM p_json WHERE doc @> $1", [{ active: true }]);
        assert.deepEqual(found.rows, [{ id: 1, name: 'Voyager 1', first: { three: 3 } }]);
      });

      it('returns timestamptz as a Date, to the millisecond', async () => {
        await store.exec('CREATE TABLE p_time (id int PRIMARY KEY, at timestamptz NOT NULL, stamped timestamptz NOT NULL DEFAULT now())');
        const when = new Date('2031-03-04T05:06:07.089Z');
        const ms = Date.UTC(2031, 11, 31, 23, 59, 59, 999);
        await store.query('INSERT INTO p_time (id, at) VALUES ($1, $2)', [1, when]);
        await store.query('INSERT INTO p_time (id, at) VALUES ($1, to_timestamp($2 / 1000.0))', [2, ms]);
        const { rows } = await store.query<{ id: number; at: Date; stamped: Date }>('SELECT id, at, stamped FROM p_time ORDER BY id');
        for (const r of rows) {
          assert.ok(r.at instanceof Date, `at of row ${r.id} is ${typeof r.at}`);
          assert.ok(r.stamped instanceof Date);
        }
        assert.equal(rows[0].at.getTime(), when.getTime());
        assert.equal(rows[1].at.getTime(), ms);
        const found = await store.query<{ id: number }>('SELECT id FROM p_time WHERE at >= $1 AND at < $2', [when, new Date(when.getTime() + 1)]);
        assert.deepEqual(found.rows, [{ id: 1 }]);
      });

      it('counts the rows an INSERT, UPDATE or DELETE touched', async () => {
        await store.exec('CREATE TABLE p_counts (id int PRIMARY KEY, v int NOT NULL)');
        assert.equal((await store.query('INSERT INTO p_counts (id, v) VALUES (1, 10), (2, 20), (3, 30)')).rowCount, 3);
        assert.equal((await store.query('UPDATE p_counts SET v = v + 1 WHERE id >= $1', [2])).rowCount, 2);
        assert.equal((await store.query('UPDATE p_counts SET v = 0 WHERE id = $1', [99])).rowCount, 0);
        assert.equal((await store.query('INSERT INTO p_counts (id, v) VALUES (3, 0), (4, 40) ON CONFLICT (id) DO NOTHING')).rowCount, 1);
        assert.equal((await store.query('DELETE FROM p_counts WHERE id = $1', [1])).rowCount, 1);
        assert.equal((await store.query('DELETE FROM p_counts WHERE id = $1', [1])).rowCount, 0);
        const returned = await store.query<{ id: number }>('UPDATE p_counts SET v = -v WHERE id IN (2, 3) RETURNING id', []);
        assert.equal(returned.rowCount, 2);
        assert.deepEqual(returned.rows.map((r) => r.id).sort(), [2, 3]);
      });

      it('upserts a telemetry-shaped batch through unnest, overwriting it on redelivery', async () => {
        await store.exec(`CREATE TABLE p_upsert (spacecraft_id text NOT NULL, channel text NOT NULL, time timestamptz NOT NULL,
          raw double precision, value double precision, text_value text, batch_id text NOT NULL, PRIMARY KEY (spacecraft_id, channel, time))`);
        const n = 1000;
        const start = Date.UTC(2031, 0, 1);
        const upsert = (batch: string, offset: number): Promise<QueryResult<unknown>> =>
          store.query(
            `INSERT INTO p_upsert (spacecraft_id, channel, time, raw, value, text_value, batch_id)
             SELECT s, c, to_timestamp(t / 1000.0), r, v, x, $7 FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::text[]) AS u(s, c, t, r, v, x)
             ON CONFLICT (spacecraft_id, channel, time) DO UPDATE SET raw = excluded.raw, value = excluded.value, text_value = excluded.text_value, batch_id = excluded.batch_id`,
            [
              Array.from({ length: n }, (_, i) => `SC-${i % 5}`),
              Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 'MODE' : `CH_${i % 7}`)),
              Array.from({ length: n }, (_, i) => start + i * 1000),
              Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i + offset)),
              Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : (i + offset) / 2)),
              Array.from({ length: n }, (_, i) => (i % 10 === 0 ? `safe-${offset}` : null)),
              batch,
            ],
          );
        assert.equal((await upsert('b-1', 0)).rowCount, n);
        assert.equal((await upsert('b-2', 5)).rowCount, n);
        assert.equal(await count(store, 'p_upsert'), n);
        assert.equal(await count(store, 'p_upsert', "batch_id = 'b-2'"), n);
        const { rows } = await store.query<{ raw: number | null; value: number | null; text_value: string | null }>(
          'SELECT raw, value, text_value FROM p_upsert WHERE spacecraft_id = $1 AND time IN (to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0)) ORDER BY time',
          ['SC-0', start, start + 5000],
        );
        assert.deepEqual(rows, [
          { raw: null, value: null, text_value: 'safe-5' },
          { raw: 10, value: 5, text_value: null },
        ]);
      });

      it('runs several statements in one exec', async () => {
        await store.exec(`
          CREATE TABLE p_exec (id int PRIMARY KEY, label text);
          INSERT INTO p_exec VALUES (1, 'one; still one');
          INSERT INTO p_exec VALUES (2, 'two');`);
        assert.deepEqual((await store.query('SELECT id, label FROM p_exec ORDER BY id')).rows, [
          { id: 1, label: 'one; still one' },
          { id: 2, label: 'two' },
        ]);
      });

      it('commits a transaction whose function resolves, with its value', async () => {
        await store.exec('CREATE TABLE t_commit (id int PRIMARY KEY, label text)');
        const value = await store.transaction(async (tx) => {
          await tx.query('INSERT INTO t_commit VALUES ($1, $2)', [1, 'a']);
          await tx.exec("INSERT INTO t_commit VALUES (2, 'b'); UPDATE t_commit SET label = 'A' WHERE id = 1");
          const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t_commit');
          return { seen: rows[0].n };
        });
        assert.deepEqual(value, { seen: 2 });
        assert.deepEqual((await store.query('SELECT id, label FROM t_commit ORDER BY id')).rows, [
          { id: 1, label: 'A' },
          { id: 2, label: 'b' },
        ]);
      });

      it('rolls back everything a transaction did when its function throws, and passes the error on', async () => {
        await store.exec('CREATE TABLE t_rollback (id int PRIMARY KEY, v int)');
        await store.query('INSERT INTO t_rollback VALUES (1, 1)');
        const boom = new Error('operator cancelled the pass');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.query('INSERT INTO t_rollback VALUES (2, 2), (3, 3)');
            await tx.query('UPDATE t_rollback SET v = 100 WHERE id = 1');
            await tx.exec('CREATE TABLE t_rollback_created (x int); DELETE FROM t_rollback WHERE id = 1');
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.deepEqual((await store.query('SELECT id, v FROM t_rollback ORDER BY id')).rows, [{ id: 1, v: 1 }]);
        // DDL is transactional too.
        await assert.rejects(store.query('SELECT * FROM t_rollback_created'), (e) => isDbError(e) && e.code === '42P01');

        // A failing statement inside rejects with the database's error and takes the earlier ones with it.
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.query('INSERT INTO t_rollback VALUES (4, 4)');
            await tx.query('INSERT INTO t_rollback VALUES (1, 1)');
          }),
          (e) => isDbError(e) && e.code === '23505',
        );
        assert.equal(await count(store, 't_rollback'), 1);
      });

      it('hides a transaction from queries issued while it is open, for good if it rolls back', async () => {
        await store.exec('CREATE TABLE t_iso (id int PRIMARY KEY)');
        let during: Promise<QueryResult<{ n: number }>> | undefined;
        let outsideWrite: Promise<unknown> | undefined;
        const boom = new Error('abandoned');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.query('INSERT INTO t_iso VALUES (1), (2)');
            // Not awaited here: an embedded engine runs these only once the transaction is over.
            during = store.query<{ n: number }>('SELECT count(*)::int AS n FROM t_iso');
            outsideWrite = store.query('INSERT INTO t_iso VALUES (100)');
            await tx.query('INSERT INTO t_iso VALUES (3)');
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.ok(during && outsideWrite);
        assert.ok([0, 1].includes((await during).rows[0].n), 'saw rows of a transaction that rolled back');
        await outsideWrite;
        // The outside write was no part of the transaction, so its rollback left it alone.
        assert.deepEqual((await store.query('SELECT id FROM t_iso ORDER BY id')).rows, [{ id: 100 }]);

        let after: Promise<QueryResult<{ n: number }>> | undefined;
        const value = await store.transaction(async (tx) => {
          await tx.query('INSERT INTO t_iso VALUES (1), (2)');
          after = store.query<{ n: number }>('SELECT count(*)::int AS n FROM t_iso');
          await tx.query('INSERT INTO t_iso VALUES (3)');
          return 'done';
        });
        assert.equal(value, 'done');
        assert.ok(after);
        // Before the commit or after it, never half of it.
        assert.ok([1, 4].includes((await after).rows[0].n), `saw ${(await after).rows[0].n} rows`);
        assert.equal(await count(store, 't_iso'), 4);
      });

      it('keeps concurrent read-then-write transactions from losing updates', async () => {
        await store.exec('CREATE TABLE t_counter (id int PRIMARY KEY, n int NOT NULL); CREATE TABLE t_counter_log (k int PRIMARY KEY)');
        await store.query('INSERT INTO t_counter VALUES (1, 0)');
        const increment = (k: number, fail: boolean) =>
          store.transaction(async (tx) => {
            const { rows } = await tx.query<{ n: number }>('SELECT n FROM t_counter WHERE id = 1 FOR UPDATE');
            await tx.query('UPDATE t_counter SET n = $1 WHERE id = 1', [rows[0].n + 1]);
            await tx.query('INSERT INTO t_counter_log VALUES ($1)', [k]);
            if (fail) throw new Error(`increment ${k} abandoned`);
            return rows[0].n;
          });
        const seen = await Promise.all(Array.from({ length: 20 }, (_, k) => increment(k, false)));
        assert.equal((await store.query<{ n: number }>('SELECT n FROM t_counter')).rows[0].n, 20);
        assert.deepEqual(
          seen.sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, k) => k),
        );

        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, k) => increment(100 + k, k % 2 === 1)));
        assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 10);
        assert.equal((await store.query<{ n: number }>('SELECT n FROM t_counter')).rows[0].n, 30);
        const logged = await store.query<{ k: number }>('SELECT k FROM t_counter_log WHERE k >= 100 ORDER BY k');
        assert.deepEqual(
          logged.rows.map((r) => r.k),
          Array.from({ length: 10 }, (_, i) => 100 + i * 2),
        );
      });

      it('runs many queries issued at once, each exactly once', async () => {
        await store.exec('CREATE TABLE p_many (id int PRIMARY KEY)');
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.query('INSERT INTO p_many VALUES ($1)', [i])));
        assert.ok(results.every((r) => r.rowCount === 1));
        assert.equal(await count(store, 'p_many'), 50);
      });

      it("rejects a unique violation as UniqueViolationError, with code '23505' and the constraint that caught it", async () => {
        await store.exec('CREATE TABLE p_unique (id text PRIMARY KEY, rule text NOT NULL, open boolean NOT NULL)');
        await store.exec('CREATE UNIQUE INDEX p_unique_one_open ON p_unique (rule) WHERE open');
        await store.query('INSERT INTO p_unique VALUES ($1, $2, $3)', ['a-1', 'low-voltage', true]);
        await assert.rejects(store.query('INSERT INTO p_unique VALUES ($1, $2, $3)', ['a-1', 'other', false]), (e) => {
          assert.ok(e instanceof UniqueViolationError);
          assert.equal(e.code, '23505');
          assert.equal(e.constraint, 'p_unique_pkey');
          assert.match(e.message, /duplicate key/);
          assert.match(e.detail ?? '', /\(id\)=\(a-1\)/);
          return true;
        });
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.query('INSERT INTO p_unique VALUES ($1, $2, $3)', ['a-2', 'low-voltage', true]);
          }),
          (e) => e instanceof UniqueViolationError && e.constraint === 'p_unique_one_open',
        );
        await store.query('INSERT INTO p_unique VALUES ($1, $2, $3)', ['a-2', 'low-voltage', false]);
        assert.equal(await count(store, 'p_unique'), 2);
      });

      it('rejects a syntax error with a useful message and stays usable', async () => {
        await assert.rejects(store.query('SELEC 1'), (e) => {
          assert.ok(isDbError(e));
          assert.equal(e.code, '42601');
          assert.match(e.message, /syntax error at or near "SELEC"/);
          return true;
        });
        await assert.rejects(store.exec('CREATE TABLE p_syntax (id int); INSERT INTO p_syntax VALUES (1'), (e) => isDbError(e) && e.code === '42601');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.query('SELECT 1');
            await tx.query('SELECT FROM WHERE');
          }),
          (e) => isDbError(e) && /syntax error/.test(e.message),
        );
        await assert.rejects(store.query('SELECT * FROM no_such_table'), (e) => isDbError(e) && e.code === '42P01' && /no_such_table/.test(e.message));
        assert.deepEqual((await store.query('SELECT 1 + 1 AS two')).rows, [{ two: 2 }]);
        assert.equal(await store.transaction(async (tx) => (await tx.query<{ x: number }>('SELECT 3 AS x')).rows[0].x), 3);
        assert.equal(store.isReady(), true);
      });
    });
  });
}
