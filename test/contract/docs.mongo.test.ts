import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MongoClient, MongoServerError } from 'mongodb';
import { defaultContext, isAlive, type EngineContext } from '../../ops/engines/engine.ts';
import { ferretDb } from '../../ops/engines/mongo.ts';
import { isTransient, MongoDocumentStore, type MongoDocumentStoreOptions } from '../../src/engines/docs/mongo.ts';
import type { Doc, DocumentStore } from '../../src/engines/docs/port.ts';
import { realEngine, withDatabase } from '../support/engines.ts';
import { freePort } from '../support/net.ts';
import { tempDir, withHarness } from '../support/temp-store.ts';
import { sleep, until } from '../support/wait.ts';
import { docsContract, type DocsHarness } from './docs.contract.ts';

const url = realEngine('ORBIT_DOCS_URL');
const admin = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
after(() => admin.close());

const uniqueDatabase = () => `orbit_test_${randomBytes(5).toString('hex')}`;

async function harness(options: MongoDocumentStoreOptions = {}, target = url): Promise<DocsHarness & { database: string; url: string }> {
  const database = uniqueDatabase();
  const storeUrl = withDatabase(target, database);
  const opened: DocumentStore[] = [await MongoDocumentStore.open(storeUrl, options)];
  return {
    database,
    url: storeUrl,
    store: opened[0],
    reopen: async () => {
      const next = await MongoDocumentStore.open(storeUrl, options);
      opened.push(next);
      return next;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await admin.db(database).dropDatabase();
    },
  };
}

docsContract('mongodb', () => harness());

/** A FerretDB of our own, on a free port with throwaway data, that a test may stop and start. */
async function privateServer(): Promise<{ url: string; stop: () => Promise<void>; start: () => Promise<void>; remove: () => Promise<void> }> {
  const { dir: root, remove: removeRoot } = await tempDir('orbit-mongo-restart-');
  const ctx: EngineContext = { ...defaultContext(root), log: () => undefined };
  const engine = ferretDb({ name: 'ferretdb', port: await freePort(), database: 'orbit' });
  await engine.install(ctx);
  let pid: number | undefined;
  const start = async () => {
    pid = (await engine.start(ctx)).pids[0];
  };
  const stop = async () => {
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    const gone = pid;
    await until(() => assert.ok(!isAlive(gone), 'FerretDB did not stop'), 20_000);
    pid = undefined;
  };
  await start();
  return { url: engine.env.ORBIT_DOCS_URL, start, stop, remove: async () => (await stop(), await removeRoot()) };
}

describe('mongodb document store: adapter behaviour', () => {
  it('takes the database from the URL path, keeping two databases apart', async () => {
    await withHarness(
      () => harness(),
      async (one) => {
        await withHarness(
          () => harness(),
          async (two) => {
            await one.store.collection('alerts').upsertMany([{ _id: 'a', at: 'one' }]);
            await two.store.collection('alerts').upsertMany([{ _id: 'a', at: 'two' }]);
            assert.deepEqual(await one.store.collection('alerts').find({}), [{ _id: 'a', at: 'one' }]);
            assert.deepEqual(await admin.db(two.database).collection('alerts').find({}).toArray(), [{ _id: 'a', at: 'two' }]);
          },
        );
      },
    );
  });

  it('puts back the previous version of every document of a batch that a unique index refused', async () => {
    await withHarness(
      () => harness(),
      async ({ store }) => {
        const c = store.collection('stations');
        await c.createIndex({ name: 1 }, { unique: true });
        await c.upsertMany([
          { _id: 's1', name: 'goldstone', dish: 70 },
          { _id: 's2', name: 'madrid', dish: 70 },
        ]);
        await assert.rejects(
          c.upsertMany([
            { _id: 's1', name: 'goldstone', dish: 34 },
            { _id: 's3', name: 'canberra' },
            { _id: 's4', name: 'madrid' },
          ]),
          (error: Error & { code?: number }) => error.code === 11000 && /duplicate key/.test(error.message) && /s4/.test(error.message),
        );
        assert.deepEqual(await c.find({}, { sort: { _id: 1 } }), [
          { _id: 's1', name: 'goldstone', dish: 70 },
          { _id: 's2', name: 'madrid', dish: 70 },
        ]);
      },
    );
  });

  it('replaces hundreds of documents in one call and from many calls at once', async () => {
    await withHarness(
      () => harness(),
      async ({ store }) => {
        const c = store.collection('status');
        const docs = (round: number) => Array.from({ length: 240 }, (_, i) => ({ _id: `sc-${i}`, round }));
        await c.upsertMany(docs(0));
        // Each of these replaces every document: more than a FerretDB database has connections.
        await c.upsertMany(docs(1));
        await Promise.all(Array.from({ length: 6 }, (_, k) => c.upsertMany(docs(2).slice(k * 40, k * 40 + 40))));
        assert.equal(await c.count({ round: 2 }), 240);
        assert.equal(await c.count({}), 240);
      },
    );
  });

  it('leaves out fields whose value is undefined, as the embedded store does', async () => {
    await withHarness(
      () => harness(),
      async ({ store }) => {
        const c = store.collection('alerts');
        await c.upsertMany([{ _id: 'a', note: undefined, state: 'open' }]);
        assert.deepEqual(await c.find({}), [{ _id: 'a', state: 'open' }]);
        assert.equal(await c.count({ note: null }), 1);
      },
    );
  });

  it('rejects filters, documents and options it does not understand before sending anything', async () => {
    await withHarness(
      () => harness(),
      async ({ store }) => {
        const c = store.collection('readings');
        await assert.rejects(c.find({ time: { $regex: 'x' } as never }), /unsupported operator \$regex/);
        await assert.rejects(c.count({ $or: [] } as never), /unsupported/);
        await assert.rejects(c.deleteMany({ $where: 'true' } as never), /unsupported/);
        await assert.rejects(c.upsertMany([{ v: 1 } as never]), /_id/);
        await assert.rejects(c.upsertMany([{ _id: 'x', $set: 1 } as never]), /may not start with "\$"/);
        await assert.rejects(c.find({}, { limit: -1 }), /limit/);
        await assert.rejects(c.createIndex({ t: 2 as never }), /direction/);
        assert.equal(await c.count({}), 0);
      },
    );
  });

  it('waits for operations under way when closing, closes twice harmlessly and refuses calls afterwards', async () => {
    await withHarness(
      () => harness(),
      async ({ store, reopen }) => {
        const c = store.collection('readings');
        const writing = c.upsertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `r${i}`, v: i })));
        await store.close();
        await writing;
        await store.close();
        assert.equal(store.isReady(), false);
        await assert.rejects(c.find({}), /closed/);
        await assert.rejects(store.collection('x').upsertMany([{ _id: 'a' }]), /closed/);
        const again = await reopen();
        assert.equal(await again.collection('readings').count({}), 300);
      },
    );
  });

  it('refuses to open when nothing answers, quickly and without showing the password', async () => {
    const port = await freePort();
    const began = Date.now();
    await assert.rejects(MongoDocumentStore.open(`mongodb://orbit:s3cr%40t-pw@127.0.0.1:${port}/orbit`, { serverSelectionTimeoutMS: 1000 }), (error: Error) => {
      assert.match(error.message, new RegExp(`MongoDB at 127\\.0\\.0\\.1:${port}/orbit is unreachable`));
      assert.doesNotMatch(error.message, /s3cr|%40t-pw|@t-pw/);
      return true;
    });
    assert.ok(Date.now() - began < 5000, `took ${Date.now() - began} ms`);
  });

  it('a write under way when the server shuts down fails soon, as an outage', async () => {
    const server = await privateServer();
    try {
      const store = await MongoDocumentStore.open(server.url, { serverSelectionTimeoutMS: 1000, retryWindowMs: 0 });
      try {
        // Writes follow one another without a pause, so the stop lands while one is under way
        // however fast the server is; the first one acknowledged shows the writes are flowing.
        const readings = store.collection('readings');
        let acknowledged = 0;
        const writing = (async () => {
          for (let round = 0; ; round++) {
            await readings.upsertMany(Array.from({ length: 2000 }, (_, i) => ({ _id: `r${round}-${i}`, v: i })));
            acknowledged++;
          }
        })();
        writing.catch(() => undefined);
        while (acknowledged === 0) await sleep(10);
        const stopping = Date.now();
        await server.stop();
        await assert.rejects(writing, (error: Error) => {
          assert.match(error.message, /^MongoDB at 127\.0\.0\.1:\d+\/orbit is unavailable: upsertMany on "readings" failed/);
          assert.equal(error.name, 'DocumentStoreUnavailableError');
          return true;
        });
        // The commands not yet sent are dropped rather than each waiting out the outage.
        assert.ok(Date.now() - stopping < 8000, `the write failed ${Date.now() - stopping} ms after the stop began`);
      } finally {
        await store.close();
      }
    } finally {
      await server.remove();
    }
  });

  it('takes a command the server cancelled as it stopped for an outage', () => {
    // FerretDB's reply to a command still running when it stops, where MongoDB sends InterruptedAtShutdown.
    const cancelled = new MongoServerError({ ok: 0, code: 1, errmsg: '[msg_update.go:133 handler.(*Handler).updateDocument] [collection.go:135 sqlite.(*collection).InsertAll.func1] context canceled' });
    assert.equal(isTransient(cancelled), true);
    const afterGrace = new MongoServerError({ ok: 0, code: 1, errmsg: '[msg_update.go:133 handler.(*Handler).updateDocument] [query_iterator.go:79 sqlite.(*queryIterator).Next] context canceled after delay' });
    assert.equal(isTransient(afterGrace), true);
    assert.equal(isTransient(new MongoServerError({ ok: 0, code: 11600, errmsg: 'interrupted at shutdown' })), true);
    assert.equal(isTransient(new MongoServerError({ ok: 0, code: 1, errmsg: 'invalid document' })), false);
    assert.equal(isTransient(new MongoServerError({ ok: 0, code: 2, errmsg: 'context canceled' })), false);
  });

  it('takes a write on a socket the stopping server closed as an outage', () => {
    // Node's EPIPE, as the driver passes it on when the server closes a connection mid-write.
    const ended = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    assert.equal(isTransient(ended), true);
    assert.equal(isTransient(Object.assign(new Error('bad things'), { code: 'ERR_INVALID_ARG_TYPE' })), false);
  });

  it('survives the server restarting: not ready while it is down, bounded failures, and no acknowledged write lost', async () => {
    const server = await privateServer();
    try {
      const store = await MongoDocumentStore.open(server.url, { serverSelectionTimeoutMS: 2000, heartbeatFrequencyMS: 500 });
      try {
        const c = store.collection('readings');
        await c.createIndex({ spacecraft: 1, time: 1 }, { unique: true });
        const acked = new Set<string>();
        const failures: string[] = [];
        let next = 0;
        let stopWriting = false;
        // Each writer behaves like an at-least-once consumer: a batch that failed is sent again.
        const writer = async () => {
          while (!stopWriting) {
            const first = next;
            next += 20;
            const batch: Doc[] = Array.from({ length: 20 }, (_, i) => ({ _id: `sc-1/${first + i}`, spacecraft: 'sc-1', time: first + i }));
            for (let attempt = 0; ; attempt++) {
              try {
                await c.upsertMany(batch);
                for (const d of batch) acked.add(d._id);
                break;
              } catch (error) {
                failures.push((error as Error).message);
                assert.ok(attempt < 20, `batch at ${first} never landed: ${(error as Error).message}`);
                await sleep(250);
              }
            }
          }
        };
        const writers = Array.from({ length: 3 }, writer);

        await until(() => assert.ok(acked.size >= 500), 20_000);
        await server.stop();
        await until(() => assert.equal(store.isReady(), false), 10_000);

        const began = Date.now();
        await assert.rejects(c.count({}), /MongoDB at 127\.0\.0\.1:\d+\/orbit is unavailable: count on "readings"/);
        assert.ok(Date.now() - began < 8000, `an operation during the outage took ${Date.now() - began} ms to fail`);

        await server.start();
        await until(() => assert.equal(store.isReady(), true), 15_000);
        const afterRestart = acked.size;
        await until(() => assert.ok(acked.size >= afterRestart + 500), 20_000);
        stopWriting = true;
        await Promise.all(writers);

        for (const message of failures) assert.match(message, /^MongoDB at 127\.0\.0\.1:\d+\/orbit is unavailable/);
        const stored = await c.find({}, { sort: { time: 1 } });
        const storedIds = new Set(stored.map((d) => d._id));
        assert.equal(storedIds.size, stored.length);
        for (const id of acked) assert.ok(storedIds.has(id), `acknowledged ${id} is missing`);
        assert.equal(await c.count({}), next);
      } finally {
        await store.close();
      }
    } finally {
      await server.remove();
    }
  });
});
