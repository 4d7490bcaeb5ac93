/**
 * The relational store contract on a real PostgreSQL server (ORBIT_SQL_URL), each test
 * in a database of its own; then what the contract cannot see: results typed as PGlite
 * types them, concurrent migrations, and the store living through its server going away.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { migrate } from '../../src/engines/sql/migrate.ts';
import { PgliteStore } from '../../src/engines/sql/pglite.ts';
import { PostgresStore, SqlUnavailableError, type PostgresStoreOptions } from '../../src/engines/sql/postgres.ts';
import type { SqlStore } from '../../src/engines/sql/port.ts';
import { TelemetryStore, type StoredReading } from '../../src/stores/telemetry/store.ts';
import type { ChannelType, ReadingValue } from '../../src/core/schemas.ts';
import { sleep, until } from '../support/wait.ts';
import { sqlContract, type SqlHarness } from './sql.contract.ts';
import { asOrbit, freshDatabase, SERVER_URL, type Database } from '../support/postgres.ts';

const PASSWORD = decodeURIComponent(new URL(SERVER_URL).password);

async function harness(): Promise<SqlHarness> {
  const db = await freshDatabase();
  const opened = [await PostgresStore.open(db.url)];
  return {
    store: opened[0],
    reopen: async () => {
      const store = await PostgresStore.open(db.url);
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await db.drop();
    },
  };
}

sqlContract('PostgreSQL', harness);

// The reference for what results look like: opening PGlite takes seconds, so the tests share one.
let embedded: Promise<PgliteStore> | undefined;
const pglite = (): Promise<PgliteStore> => (embedded ??= PgliteStore.open());
after(async () => {
  await (await embedded)?.close();
});

/** Runs `work` on a store over a fresh database, then closes it and drops the database. */
async function withStore<T>(work: (store: PostgresStore, db: Database) => Promise<T>, options?: PostgresStoreOptions, url?: (db: Database) => string): Promise<T> {
  const db = await freshDatabase();
  const store = await PostgresStore.open(url ? url(db) : db.url, options);
  try {
    return await work(store, db);
  } finally {
    await store.close();
    await db.drop();
  }
}

/** Stands between the store and the server; `cut` is the server going away, `restore` it coming back. */
class Gate {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor() {
    const target = new URL(SERVER_URL);
    this.#server = createServer((inbound) => {
      const outbound = connect(Number(target.port), target.hostname);
      for (const s of [inbound, outbound]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  url(db: Database): string {
    const url = new URL(db.url);
    url.port = String(this.port);
    return url.toString();
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

describe('PostgreSQL store', { concurrency: 1 }, () => {
  it('types results as PGlite does for the same SQL', async () => {
    const sql = `SELECT 1::int8 AS small_int8, 9007199254740993::int8 AS big_int8, 12.50::numeric AS num, 1.5::float4 AS f4, 2::int2 AS i2, 26::oid AS oid,
      '1 day 02:03:04'::interval AS span, '2031-03-04'::date AS day, '2031-03-04 05:06:07.089'::timestamp AS local_ts,
      '2031-03-04 05:06:07.089+02'::timestamptz AS ts, 'infinity'::timestamptz AS forever, '12:34:56'::time AS clock,
      '{"a": [1, "b", null], "n": 1.25}'::jsonb AS doc, '{"x": 1}'::json AS j, '\\x00ff10'::bytea AS bytes,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, ARRAY[1.5, NULL, 2]::numeric[] AS nums, ARRAY[1, 9007199254740993]::int8[] AS bigs,
      ARRAY['2031-01-01T00:00:00Z']::timestamptz[] AS stamps, ARRAY[true, NULL, false] AS flags, ARRAY['{"k": 1}']::jsonb[] AS docs,
      ARRAY[[1, 2], [3, 4]]::int4[] AS grid, '{}'::text[] AS empty, ARRAY['x', NULL, 'y,"z"'] AS words, 'fr'::char(3) AS padded,
      (SELECT count(*) FROM generate_series(1, 3)) AS n, extract(epoch FROM '2031-01-01T00:00:00.5Z'::timestamptz) * 1000 AS epoch_ms,
      $1::timestamptz AS param_ts, $2::text AS date_as_text, $3::jsonb AS param_doc, $4::text[] AS param_words, $5::timestamptz[] AS param_stamps`;
    const when = new Date('2031-05-06T07:08:09.010Z');
    const params = [when, when, { nested: { ok: true } }, ['a', null], [when]];
    const embedded = await pglite();
    await withStore(async (store) => {
      const expected = await embedded.query(sql, params);
      const actual = await store.query(sql, params);
      assert.deepEqual(actual, expected);
      // A SELECT touches no rows: rowCount counts rows changed, on both engines.
      assert.equal(actual.rowCount, 0);
      for (const s of [embedded, store]) await s.exec('CREATE TABLE typed (id int8 PRIMARY KEY, v numeric, at timestamptz)');
      const insert = 'INSERT INTO typed VALUES (1, 0.1, $1), (2, NULL, NULL) RETURNING *';
      assert.deepEqual(await store.query(insert, [when]), await embedded.query(insert, [when]));
    });
  });

  it('stores and reads telemetry as PGlite does, odd values included', async () => {
    const embedded = await pglite();
    await migrate(embedded);
    const start = Date.UTC(2031, 0, 1);
    const reading = (i: number, value: ReadingValue, type: ChannelType, channel = `CH_${type}`): StoredReading => ({
      spacecraft: 'SC-1', channel, time: start + i * 1000 + 0.5 * (i % 2), raw: value, value, type, batchId: `b-${i % 3}`,
    });
    const readings = [
      ...[0, -0, 1.5e150, -1e-300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1 + 0.2].map((v, i) => reading(i, v, 'number')),
      ...[true, false].map((v, i) => reading(i, v, 'boolean')),
      ...['SAFE', '', 'quote " back \\ tab \t new\nline', 'ünï 🚀', 'lone \ud800 surrogate', '{"json": 1}'].map((v, i) => reading(i, v, 'string')),
      // Redelivered in the same batch: the last one wins.
      reading(0, 42, 'number'),
    ];
    await withStore(async (store) => {
      await migrate(store);
      const ours = new TelemetryStore(store);
      const theirs = new TelemetryStore(embedded);
      assert.equal(await ours.write(readings), await theirs.write(readings));
      for (const type of ['number', 'boolean', 'string'] as const) {
        const q = { spacecraft: 'SC-1', channel: `CH_${type}`, limit: 100 };
        const { points } = await ours.points(q, type);
        assert.deepEqual(points, (await theirs.points(q, type)).points);
        assert.deepEqual(await ours.aggregate({ ...q, stepSeconds: 2 }), await theirs.aggregate({ ...q, stepSeconds: 2 }));
        if (type === 'number') assert.deepEqual(points.map((p) => p.value), [42, -0, 1.5e150, -1e-300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1 + 0.2]);
        if (type === 'string') assert.equal(points[4].value, 'lone \ufffd surrogate');
      }
    });
  });

  it('keeps PostgreSQL error fields and points the stack at the caller', async () => {
    await withStore(async (store) => {
      await assert.rejects(store.query('SELECT * FROM missing_table'), (e: Error & { code?: string; position?: string }) => {
        assert.ok(e instanceof pg.DatabaseError);
        assert.equal(e.code, '42P01');
        assert.equal(e.position, '15');
        assert.match(e.stack ?? '', /issued at:[\s\S]*sql\.postgres\.test\.ts/);
        return true;
      });
    });
  });

  it('rejects a commit of a transaction whose failed statement the function caught, as PGlite does', async () => {
    const embedded = await pglite();
    await withStore(async (store) => {
      for (const s of [embedded, store] as SqlStore[]) {
        await s.exec('CREATE TABLE t_caught (id int PRIMARY KEY)');
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.query('INSERT INTO t_caught VALUES (1)');
            await tx.query('INSERT INTO t_caught VALUES (1)').catch(() => undefined);
            return 'looked fine';
          }),
          (e: Error & { code?: string }) => e.code === '25P02' && /rolled back instead of committed/.test(e.message),
        );
        assert.deepEqual((await s.query('SELECT count(*)::int AS n FROM t_caught')).rows, [{ n: 0 }]);
      }
    });
  });

  it('refuses statements on a transaction that is over', async () => {
    await withStore(async (store) => {
      let leaked: Parameters<Parameters<SqlStore['transaction']>[0]>[0] | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(leaked!.query('SELECT 1'), /transaction is over/);
      assert.deepEqual((await store.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
    });
  });

  it('migrates a database once when several processes start at the same time', async () => {
    await withStore(async (first, db) => {
      const others = await Promise.all(Array.from({ length: 5 }, () => PostgresStore.open(db.url)));
      try {
        const results = await Promise.all([first, ...others].map((s) => migrate(s)));
        const applied = results.filter((r) => r.length > 0);
        assert.equal(applied.length, 1, `applied by ${applied.length} stores`);
        assert.ok(applied[0].length >= 4);
        assert.deepEqual((await first.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows, [{ n: applied[0].length }]);
      } finally {
        await Promise.all(others.map((s) => s.close()));
      }
    });
    // The same code on PGlite, where PGlite's own lock already keeps transactions apart.
    const embedded = await PgliteStore.open();
    try {
      const results = await Promise.all([migrate(embedded), migrate(embedded)]);
      assert.equal(results.filter((r) => r.length > 0).length, 1);
    } finally {
      await embedded.close();
    }
  });

  it('reports a wrong password or an unreachable server without the credentials', async () => {
    const wrong = new URL(SERVER_URL);
    wrong.password = 'not-the-password-42';
    await assert.rejects(PostgresStore.open(wrong.toString()), (e: Error & { code?: string }) => {
      assert.equal(e.code, '28P01');
      assert.match(e.message, /PostgreSQL at 127\.0\.0\.1:\d+\/\w+ refused the connection/);
      assert.doesNotMatch(`${e.message}\n${e.stack}`, /not-the-password-42/);
      return true;
    });
    const nowhere = new URL(SERVER_URL);
    nowhere.port = '1';
    await assert.rejects(PostgresStore.open(nowhere.toString()), (e: Error) => {
      assert.ok(e instanceof SqlUnavailableError);
      assert.match(e.message, /PostgreSQL at 127\.0\.0\.1:1\/\w+ is unreachable/);
      assert.ok(!e.message.includes(PASSWORD));
      return true;
    });
    await assert.rejects(PostgresStore.open(`postgres://orbit:${PASSWORD}@[bad`), (e: Error) => !e.message.includes(PASSWORD));
  });

  it('lives through the server going away: not ready, statements rejected naming PostgreSQL, then back by itself', async () => {
    const gate = new Gate();
    await gate.listen();
    await withStore(
      async (store) => {
        await store.exec('CREATE TABLE t_outage (id int PRIMARY KEY)');
        await Promise.all(Array.from({ length: 5 }, (_, i) => store.query('INSERT INTO t_outage VALUES ($1)', [i])));
        assert.equal(store.isReady(), true);

        // A statement running when the connection breaks rejects at once: it may have been applied.
        const running = store.query('SELECT pg_sleep(5)');
        await sleep(200);
        await gate.cut();
        await assert.rejects(running, (e: Error) => e instanceof SqlUnavailableError && /PostgreSQL at .*may or may not have been applied/.test(e.message));
        await until(() => assert.ok(!store.isReady(), 'the store is not ready'), 10_000);

        // While it is away, statements wait a little, then reject naming the engine and not the password.
        const started = Date.now();
        await assert.rejects(store.query('SELECT 1'), (e: Error) => {
          assert.ok(e instanceof SqlUnavailableError);
          assert.match(e.message, /PostgreSQL at 127\.0\.0\.1:\d+\/\w+ is unavailable .*waited 1\.0 s/);
          assert.ok(!e.message.includes(PASSWORD));
          return true;
        });
        assert.ok(Date.now() - started < 5000);
        await assert.rejects(store.transaction(async () => 'never'), SqlUnavailableError);
        assert.equal(store.isReady(), false);

        // One issued just before the server returns waits for it and succeeds.
        const waiting = store.query<{ n: number }>('SELECT count(*)::int AS n FROM t_outage');
        await sleep(200);
        await gate.listen();
        assert.deepEqual((await waiting).rows, [{ n: 5 }]);
        await until(() => assert.ok(store.isReady(), 'the store is ready again'), 10_000);
        await store.transaction(async (tx) => {
          await tx.query('INSERT INTO t_outage VALUES (5)');
        });
        assert.deepEqual((await store.query('SELECT count(*)::int AS n FROM t_outage')).rows, [{ n: 6 }]);
      },
      { outageWaitMs: 1000, checkIntervalMs: 200 },
      (db) => gate.url(db),
    );
    await gate.cut();
  });

  it('notices an idle server going away through its periodic check', async () => {
    const gate = new Gate();
    await gate.listen();
    await withStore(
      async (store) => {
        assert.deepEqual((await store.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
        await gate.cut();
        await until(() => assert.ok(!store.isReady(), 'the idle store is not ready'), 5000);
        await gate.listen();
        await until(() => assert.ok(store.isReady(), 'the idle store is ready again'), 5000);
      },
      { checkIntervalMs: 200 },
      (db) => gate.url(db),
    );
    await gate.cut();
  });

  it('survives its sessions being terminated by the server, idle or in a statement', async () => {
    const events: string[] = [];
    const logger = { info: (_: object, message: string) => events.push(message), warn: (_: object, message: string) => events.push(message) };
    await withStore(async (store, db) => {
      const name = new URL(db.url).pathname.slice(1);
      // Fill the pool with idle connections.
      await Promise.all(Array.from({ length: 5 }, () => store.query('SELECT pg_sleep(0.05)')));
      const terminate = () => asOrbit((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]));
      await terminate();
      // The idle connections died with 57P01; the pool dropped them and the process is still here.
      assert.deepEqual((await store.query('SELECT 2 AS x')).rows, [{ x: 2 }]);

      // A statement ended by the server before it finished surely did not apply, so it is tried again.
      await store.exec('CREATE TABLE t_term (id int PRIMARY KEY)');
      const slow = store.query('INSERT INTO t_term SELECT 1 FROM pg_sleep(0.5)');
      await sleep(150);
      await terminate();
      assert.equal((await slow).rowCount, 1);
      assert.deepEqual((await store.query('SELECT count(*)::int AS n FROM t_term')).rows, [{ n: 1 }]);
      await until(() => assert.ok(store.isReady(), 'the store is ready'), 10_000);
      assert.ok(events.some((m) => /PostgreSQL at .* is unreachable; reconnecting/.test(m)), events.join('; '));
      assert.ok(events.some((m) => /reachable again/.test(m)));
    }, { logger });
  });

  it('closes once, after the statements under way, and refuses new ones', async () => {
    await withStore(async (store) => {
      const slow = store.query<{ x: number }>('SELECT 7 AS x FROM pg_sleep(0.3)');
      const closing = [store.close(), store.close()];
      assert.equal(store.isReady(), false);
      await assert.rejects(store.query('SELECT 1'), /SQL store \(PostgreSQL at .*\) is closed/);
      assert.deepEqual((await slow).rows, [{ x: 7 }]);
      await Promise.all(closing);
      await store.close();
    });
  });
});
